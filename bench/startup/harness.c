/* Measuring tool for bench/startup/run. Everything stays on 127.0.0.1.
 *
 *   harness port
 *       prints a UDP port on 127.0.0.1 that was free a moment ago
 *   harness exec ROUNDS PER_ROUND NAME PROG ARG... [-- NAME PROG ARG...]...
 *       per exec: queue one locator request on a bound UDP socket, spawn PROG with that socket
 *       as fd 0, 1 and 2 (as inetd does) and an empty environment, wait for it to exit. The
 *       programs take turns, PER_ROUND execs each per round (the order flips every round) so
 *       machine noise hits them alike. Prints per program: mean wall µs per exec, mean child
 *       CPU µs per exec, replies received.
 *   harness spawn ROUNDS PER_ROUND NAME PROG ARG... [-- NAME PROG ARG...]...
 *       the same without queueing a request (for programs that do not read one, e.g. hello).
 *   harness inetd INETD_PID ROUNDS PER_ROUND MAX_SECONDS NAME PORT [NAME PORT]...
 *       a client of services run by a real inetd: send a request, wait for the reply (1 s
 *       timeout), then wait until inetd has reaped the daemon, so every request costs one
 *       exec. Services take turns by round. Server CPU is inetd's utime+stime+cutime+cstime
 *       (/proc/INETD_PID/stat fields 14-17) across each service's turns. Prints per service:
 *       requests, timeouts, requests/s, server CPU µs per request.
 *   harness mem SMAPS_COPY PROG ARG...
 *       spawn PROG on a bound UDP socket, send one request, wait for the reply, then print
 *       /proc/PID/smaps_rollup's Rss, Pss, Private_Clean, Private_Dirty (KB) and copy
 *       /proc/PID/smaps to SMAPS_COPY; then the same for a second instance started beside the
 *       first; kill both. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { LOCATOR_SIZE = 52 };

static void die(const char *what) {
  perror(what);
  exit(70);
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int loopback_socket(uint16_t port, struct sockaddr_in *bound) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&address, sizeof address)) die("bind");
  socklen_t length = sizeof *bound;
  if (getsockname(fd, (struct sockaddr *)bound, &length)) die("getsockname");
  return fd;
}

/* A MediaMVP locator request whose reply address is REPLY_TO. */
static void make_request(uint8_t request[LOCATOR_SIZE], uint32_t sequence,
                         const struct sockaddr_in *reply_to) {
  memset(request, 0, LOCATOR_SIZE);
  request[0] = sequence >> 24, request[1] = sequence >> 16;
  request[2] = sequence >> 8, request[3] = sequence;
  request[4] = 0xBA, request[5] = 0xBE, request[6] = 0xFA, request[7] = 0xFE;
  static const uint8_t mac[6] = {0x00, 0x0d, 0xfe, 0x12, 0x34, 0x56};
  memcpy(request + 8, mac, 6);
  memcpy(request + 16, &reply_to->sin_addr, 4);
  memcpy(request + 20, &reply_to->sin_port, 2);
}

static int is_reply_to(const uint8_t *reply, ssize_t size, uint32_t sequence) {
  uint8_t expected[LOCATOR_SIZE];
  struct sockaddr_in none = {0};
  make_request(expected, sequence, &none);
  return size == LOCATOR_SIZE && !memcmp(reply, expected, 4) && reply[4] == 0xFA &&
         reply[5] == 0xFE && reply[6] == 0xBA && reply[7] == 0xBE;
}

/* Waits up to TIMEOUT_MS for the reply to SEQUENCE (older replies are skipped). */
static int await_reply(int fd, uint32_t sequence, int timeout_ms) {
  double deadline = now_us() + timeout_ms * 1e3;
  for (;;) {
    int left = (int)((deadline - now_us()) / 1e3);
    struct pollfd ready = {.fd = fd, .events = POLLIN};
    if (poll(&ready, 1, left > 0 ? left : 0) <= 0) return 0;
    uint8_t reply[LOCATOR_SIZE + 1];
    ssize_t size = recv(fd, reply, sizeof reply, MSG_DONTWAIT | MSG_TRUNC);
    if (size >= 0 && is_reply_to(reply, size, sequence)) return 1;
  }
}

static void send_request(int from, const struct sockaddr_in *to, uint32_t sequence,
                         const struct sockaddr_in *reply_to) {
  uint8_t request[LOCATOR_SIZE];
  make_request(request, sequence, reply_to);
  if (sendto(from, request, sizeof request, 0, (const struct sockaddr *)to, sizeof *to) < 0)
    die("sendto");
}

static pid_t spawn_on_socket(int socket_fd, char **argv) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd < 3; fd++) posix_spawn_file_actions_adddup2(&actions, socket_fd, fd);
  /* inetd scrubs the environment; BENCH_CHILD_ENV (one NAME=VALUE) lets an investigation try
   * a runtime setting such as SWIFT_BACKTRACE=enable=no. */
  char *environment[] = {getenv("BENCH_CHILD_ENV"), NULL};
  pid_t pid;
  int error = posix_spawn(&pid, argv[0], &actions, NULL, argv, environment);
  posix_spawn_file_actions_destroy(&actions);
  if (error) {
    errno = error;
    die(argv[0]);
  }
  return pid;
}

static int command_port(void) {
  struct sockaddr_in bound;
  close(loopback_socket(0, &bound));
  printf("%u\n", ntohs(bound.sin_port));
  return 0;
}

struct program {
  const char *name;
  char **argv;
  double wall_us, cpu_us;
  long execs, replies, failures;
};

static int queue_requests = 1;

static void run_once(struct program *program, int daemon_fd, const struct sockaddr_in *daemon,
                     int client_fd, const struct sockaddr_in *client, uint32_t sequence,
                     int counted) {
  if (queue_requests) send_request(client_fd, daemon, sequence, client);
  double start = now_us();
  pid_t pid = spawn_on_socket(daemon_fd, program->argv);
  int status;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) != pid) die("wait4");
  double wall = now_us() - start;
  int replied = queue_requests && await_reply(client_fd, sequence, 0);
  if (!counted) return;
  program->execs++;
  program->wall_us += wall;
  program->cpu_us += usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec +
                     usage.ru_stime.tv_sec * 1e6 + usage.ru_stime.tv_usec;
  program->replies += replied;
  program->failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int command_exec(int argc, char **argv) {
  if (argc < 4) return 64;
  long rounds = atol(argv[0]), per_round = atol(argv[1]);
  struct program programs[8];
  int count = 0;
  for (int i = 2; i < argc && count < 8;) {
    programs[count] = (struct program){.name = argv[i], .argv = &argv[i + 1]};
    int end = i + 1;
    while (end < argc && strcmp(argv[end], "--")) end++;
    argv[end < argc ? end : argc] = NULL;
    count++;
    i = end + 1;
  }
  struct sockaddr_in daemon, client;
  int daemon_fd = loopback_socket(0, &daemon), client_fd = loopback_socket(0, &client);
  uint32_t sequence = 0;
  for (int p = 0; p < count; p++)
    for (int warm = 0; warm < 20; warm++)
      run_once(&programs[p], daemon_fd, &daemon, client_fd, &client, ++sequence, 0);
  for (long round = 0; round < rounds; round++)
    for (int k = 0; k < count; k++) {
      struct program *program = &programs[round % 2 ? count - 1 - k : k];
      for (long n = 0; n < per_round; n++)
        run_once(program, daemon_fd, &daemon, client_fd, &client, ++sequence, 1);
    }
  for (int p = 0; p < count; p++) {
    struct program *program = &programs[p];
    printf("%s wall_us=%.1f cpu_us=%.1f execs=%ld replies=%ld failures=%ld\n", program->name,
           program->wall_us / program->execs, program->cpu_us / program->execs, program->execs,
           program->replies, program->failures);
  }
  return 0;
}

/* utime+stime+cutime+cstime of PID in clock ticks (fields 14-17 of /proc/PID/stat). */
static long long process_ticks(pid_t pid) {
  char path[64], text[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *file = fopen(path, "r");
  if (!file) die(path);
  size_t size = fread(text, 1, sizeof text - 1, file);
  fclose(file);
  text[size] = 0;
  char *field = strrchr(text, ')');
  if (!field) die("stat");
  long long ticks = 0;
  for (int n = 2; n <= 17 && field; n++) {
    field = strchr(field + 1, ' ');
    if (field && n >= 13 && n < 17) ticks += strtoll(field + 1, NULL, 10);
  }
  return ticks;
}

static int has_children(pid_t pid) {
  char path[64], text[64];
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(path);
  ssize_t size = read(fd, text, sizeof text);
  close(fd);
  return size > 0;
}

static void await_reaped(pid_t inetd) {
  struct timespec pause = {.tv_nsec = 20000};
  double deadline = now_us() + 2e6;
  while (has_children(inetd) && now_us() < deadline) nanosleep(&pause, NULL);
}

struct service {
  const char *name;
  struct sockaddr_in address;
  long requests, timeouts;
  double elapsed_us;
  long long ticks;
};

static int command_inetd(int argc, char **argv) {
  if (argc < 6 || (argc - 4) % 2) return 64;
  pid_t inetd = atoi(argv[0]);
  long rounds = atol(argv[1]), per_round = atol(argv[2]);
  double max_us = atof(argv[3]) * 1e6;
  struct service services[8];
  int count = 0;
  for (int i = 4; i + 1 < argc && count < 8; i += 2, count++) {
    services[count] = (struct service){.name = argv[i]};
    services[count].address.sin_family = AF_INET;
    services[count].address.sin_port = htons(atoi(argv[i + 1]));
    services[count].address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  struct sockaddr_in client;
  int client_fd = loopback_socket(0, &client);
  uint32_t sequence = 0;
  for (int s = 0; s < count; s++) {
    send_request(client_fd, &services[s].address, ++sequence, &client);
    if (!await_reply(client_fd, sequence, 2000)) {
      fprintf(stderr, "harness: no reply from %s on port %u\n", services[s].name,
              ntohs(services[s].address.sin_port));
      return 69;
    }
    await_reaped(inetd);
  }
  double start = now_us();
  for (long round = 0; round < rounds && now_us() - start < max_us; round++)
    for (int k = 0; k < count; k++) {
      struct service *service = &services[round % 2 ? count - 1 - k : k];
      await_reaped(inetd);
      long long ticks_before = process_ticks(inetd);
      double phase_start = now_us();
      for (long n = 0; n < per_round; n++) {
        send_request(client_fd, &service->address, ++sequence, &client);
        if (await_reply(client_fd, sequence, 1000))
          service->requests++;
        else
          service->timeouts++;
        await_reaped(inetd);
      }
      service->elapsed_us += now_us() - phase_start;
      service->ticks += process_ticks(inetd) - ticks_before;
    }
  double tick_us = 1e6 / sysconf(_SC_CLK_TCK);
  for (int s = 0; s < count; s++) {
    struct service *service = &services[s];
    long total = service->requests + service->timeouts;
    printf("%s requests=%ld timeouts=%ld req_per_s=%.1f cpu_us_per_req=%.1f\n", service->name,
           service->requests, service->timeouts,
           service->requests / (service->elapsed_us / 1e6),
           total ? service->ticks * tick_us / total : 0.0);
  }
  return 0;
}

struct memory {
  long rss, pss, private_clean, private_dirty;
};

static struct memory read_rollup(pid_t pid) {
  struct memory memory = {-1, -1, -1, -1};
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
  FILE *rollup = fopen(path, "r");
  while (rollup && fgets(line, sizeof line, rollup)) {
    sscanf(line, "Rss: %ld", &memory.rss);
    sscanf(line, "Pss: %ld", &memory.pss);
    sscanf(line, "Private_Clean: %ld", &memory.private_clean);
    sscanf(line, "Private_Dirty: %ld", &memory.private_dirty);
  }
  if (rollup) fclose(rollup);
  return memory;
}

static void copy_smaps(pid_t pid, const char *to) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/smaps", pid);
  FILE *smaps = fopen(path, "r"), *copy = fopen(to, "w");
  while (smaps && copy && fgets(line, sizeof line, smaps)) fputs(line, copy);
  if (smaps) fclose(smaps);
  if (copy) fclose(copy);
}

/* Starts PROG on its own bound socket and returns once it has answered one request (or after
 * two seconds; *REPLIED says which) and has had 50 ms to settle back into its idle wait. */
static pid_t start_served(char **argv, int *replied) {
  struct sockaddr_in daemon, client;
  int daemon_fd = loopback_socket(0, &daemon), client_fd = loopback_socket(0, &client);
  pid_t pid = spawn_on_socket(daemon_fd, argv);
  send_request(client_fd, &daemon, 1, &client);
  *replied = await_reply(client_fd, 1, 2000);
  struct timespec settle = {.tv_nsec = 50 * 1000000};
  nanosleep(&settle, NULL);
  close(daemon_fd);
  close(client_fd);
  return pid;
}

static void print_memory(const char *label, int replied, struct memory memory) {
  printf("%s replied=%d rss_kb=%ld pss_kb=%ld private_clean_kb=%ld private_dirty_kb=%ld\n", label,
         replied, memory.rss, memory.pss, memory.private_clean, memory.private_dirty);
}

/* "alone": the only instance running, so every page of a static binary is private to it.
 * "twin": a second instance started while the first still runs: what one more concurrent
 * daemon costs once the binary's pages are shared. */
static int command_mem(int argc, char **argv) {
  if (argc < 2) return 64;
  int first_replied, second_replied;
  pid_t first = start_served(&argv[1], &first_replied);
  struct memory alone = read_rollup(first);
  copy_smaps(first, argv[0]);
  pid_t second = start_served(&argv[1], &second_replied);
  struct memory twin = read_rollup(second);
  kill(first, SIGKILL);
  kill(second, SIGKILL);
  waitpid(first, NULL, 0);
  waitpid(second, NULL, 0);
  print_memory("alone", first_replied, alone);
  print_memory("twin", second_replied, twin);
  return first_replied && second_replied ? 0 : 69;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 2 && !strcmp(argv[1], "port")) return command_port();
  if (argc >= 2 && !strcmp(argv[1], "exec")) return command_exec(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "spawn")) {
    queue_requests = 0;
    return command_exec(argc - 2, argv + 2);
  }
  if (argc >= 2 && !strcmp(argv[1], "inetd")) return command_inetd(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "mem")) return command_mem(argc - 2, argv + 2);
  fprintf(stderr, "usage: harness port | exec ... | spawn ... | inetd ... | mem ...\n");
  return 64;
}
