/* bench/exec/execs.c: execs each PROGRAM N times, interleaved (one exec of each in turn), with
 * /dev/null as its standard files and `--no-such-option` as its only argument, and prints the
 * mean wall time from fork to reaped exit and the mean CPU time of the child (user + system,
 * from wait4), in microseconds, one line per program: "PROGRAM WALL CPU".
 * argv[0] of each child is its PROGRAM's last path component, as inetd passes it.
 * Usage: execs N PROGRAM... (at most 32 programs). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc - 2 > 32) {
    fprintf(stderr, "usage: execs N PROGRAM...\n");
    return 64;
  }
  int n = atoi(argv[1]), programs = argc - 2;
  double wall[32] = {0}, cpu[32] = {0};
  int null = open("/dev/null", O_RDWR);
  if (n <= 0 || null < 0) return 64;
  for (int i = 0; i < n; i++) {
    for (int p = 0; p < programs; p++) {
      char *path = argv[2 + p], *name = strrchr(path, '/');
      name = name ? name + 1 : path;
      double start = now();
      pid_t child = fork();
      if (child == 0) {
        dup2(null, 0), dup2(null, 1), dup2(null, 2);
        char *arguments[] = {name, "--no-such-option", NULL};
        execv(path, arguments);
        _exit(127);
      }
      int status;
      struct rusage usage;
      if (child < 0 || wait4(child, &status, 0, &usage) != child) return 71;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        fprintf(stderr, "execs: cannot run %s\n", path);
        return 66;
      }
      wall[p] += now() - start;
      cpu[p] += usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    }
  }
  for (int p = 0; p < programs; p++) printf("%s %.1f %.1f\n", argv[2 + p], wall[p] / n * 1e6, cpu[p] / n * 1e6);
  return 0;
}
