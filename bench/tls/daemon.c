/* bench/tls/run's stand-in for a daemon that speaks TLS through slug-tls, doing what
 * TLSHandoff.start does (Sources/Runtime/TLSHandoff.swift): with the client's socket on fds 0
 * and 1, start SLUG_TLS (compiled in) with the socket as its fd 0 and one end of a socketpair as
 * its fd 1, take the session line, then read one line from the client and answer "ok\n". Then it
 * reaps the helper and writes to fd 2, in bench/tls-libraries/client.py's format:
 *   setup_us=0 handshake_us=HELPER_CPU resumed=0|1 version=V cipher=C
 * where HELPER_CPU is the helper's whole process (exec, set-up, handshake, relay, exit).
 *   daemon serve DIR */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SLUG_TLS
#error "build with -DSLUG_TLS=\"/path/to/slug-tls\""
#endif

static void fail(const char *what) {
  dprintf(2, "fail: %s\n", what);
  exit(1);
}

/* One line from fd, up to and including '\n', NUL-terminated without it. */
static int read_line(int fd, char *line, size_t size) {
  size_t used = 0;
  while (used + 1 < size) {
    ssize_t n = read(fd, line + used, 1);
    if (n <= 0) return -1;
    if (line[used] == '\n') break;
    used++;
  }
  line[used] = 0;
  return 0;
}

static const char *field(const char *line, const char *key, char *out, size_t size) {
  const char *at = strstr(line, key);
  if (!at) return "?";
  at += strlen(key);
  size_t n = strcspn(at, " ");
  if (n >= size) n = size - 1;
  memcpy(out, at, n);
  out[n] = 0;
  return out;
}

int main(int argc, char **argv) {
  if (argc != 3 || strcmp(argv[1], "serve") != 0) fail("usage: daemon serve DIR");
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair)) fail("socketpair");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pair[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  char *helper_argv[] = {"slug-tls", "--as", "bench-tls", "--dir", argv[2], "--peer", "127.0.0.1",
                         "--timeout", "10", NULL};
  char *environment[] = {NULL};
  pid_t helper;
  if (posix_spawn(&helper, SLUG_TLS, &actions, NULL, helper_argv, environment)) fail("spawn slug-tls");
  close(pair[1]);
  close(0);
  close(1);
  char header[1024], line[256];
  if (read_line(pair[0], header, sizeof header)) fail("no session line");
  if (read_line(pair[0], line, sizeof line)) fail("no line from the client");
  if (write(pair[0], "ok\n", 3) != 3) fail("write");
  close(pair[0]);
  int status;
  struct rusage usage;
  if (wait4(helper, &status, 0, &usage) != helper) fail("wait4");
  double cpu = usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec + usage.ru_stime.tv_sec * 1e6 +
               usage.ru_stime.tv_usec;
  char resumed[8], version[32], cipher[64];
  dprintf(2, "setup_us=0 handshake_us=%.0f resumed=%s version=%s cipher=%s\n", cpu,
          field(header, "resumed=", resumed, sizeof resumed), field(header, "version=", version, sizeof version),
          field(header, "cipher=", cipher, sizeof cipher));
  return 0;
}
