/* Measuring tool for bench/tls-libraries/run.
 *   spawn ROUNDS PER_ROUND NAME PROG ARG... [-- NAME PROG ARG...]...
 * Spawns each program PER_ROUND times per round (fds 0, 1, 2 on /dev/null, empty environment)
 * and waits for it; programs take turns, the order flipping every round, so machine noise hits
 * them alike. Prints per program: NAME wall_us=MEAN cpu_us=MEAN faults=MEAN (minor page faults,
 * from wait4's rusage) failures=N. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_PROGRAMS = 32 };

struct program {
  const char *name;
  char **argv;
  double wall_us, cpu_us, faults;
  long runs, failures;
};

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void run(struct program *p, posix_spawn_file_actions_t *actions) {
  static char *environment[] = {NULL};
  pid_t pid;
  double start = now_us();
  if (posix_spawn(&pid, p->argv[0], actions, NULL, p->argv, environment)) {
    p->failures++;
    return;
  }
  int status;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) != pid) {
    perror("wait4");
    exit(70);
  }
  p->wall_us += now_us() - start;
  p->cpu_us += usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec + usage.ru_stime.tv_sec * 1e6 +
               usage.ru_stime.tv_usec;
  p->faults += usage.ru_minflt;
  p->runs++;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) p->failures++;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: spawn ROUNDS PER_ROUND NAME PROG ARG... [-- NAME PROG ARG...]...\n");
    return 64;
  }
  long rounds = atol(argv[1]), per_round = atol(argv[2]);
  struct program programs[MAX_PROGRAMS] = {0};
  int count = 0;
  for (int i = 3; i < argc && count < MAX_PROGRAMS;) {
    programs[count].name = argv[i];
    programs[count].argv = &argv[i + 1];
    int j = i + 1;
    while (j < argc && strcmp(argv[j], "--") != 0) j++;
    if (j < argc) argv[j] = NULL;
    count++;
    i = j + 1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd < 3; fd++) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
  for (long round = 0; round < rounds; round++)
    for (int k = 0; k < count; k++) {
      struct program *p = &programs[round % 2 ? count - 1 - k : k];
      for (long n = 0; n < per_round; n++) run(p, &actions);
    }
  for (int k = 0; k < count; k++) {
    struct program *p = &programs[k];
    double runs = p->runs ? p->runs : 1;
    printf("%s wall_us=%.1f cpu_us=%.1f faults=%.1f failures=%ld\n", p->name, p->wall_us / runs,
           p->cpu_us / runs, p->faults / runs, p->failures);
  }
  return 0;
}
