/* Shared by the per-library servers of bench/tls-libraries/run. Each server is one static-pie
 * program with three modes, so the three measurements see the same binary:
 *   PROG hello        writes "hello\n" and exits: the library is linked (serve() is reachable
 *                     from main) but never called, which is what a daemon pays at exec for
 *                     linking a TLS library it does not use
 *   PROG setup DIR    creates the server context and loads DIR/server.pem (leaf then CA) and
 *                     DIR/server.key, then exits: what an inetd daemon pays per connection
 *                     before the first handshake byte
 *   PROG serve DIR    the same, then a server handshake on fd 0 (the accepted socket, as inetd
 *                     passes it), reads one line, answers "ok\n", closes; tickets are sealed
 *                     with DIR/tickets.key (48 to 80 bytes, zero-padded to 80) so that another
 *                     process can resume them.
 *                     Writes one line to fd 2:
 *                     setup_us=N handshake_us=N resumed=0|1 version=V cipher=C
 *                     (process CPU time: the wait for the client costs none) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static double cpu_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void fail(const char *what) {
  dprintf(2, "fail: %s\n", what);
  exit(1);
}

static char certificate_path[4096], key_path[4096];
static unsigned char ticket_key[80];

static void paths(const char *dir) {
  snprintf(certificate_path, sizeof certificate_path, "%s/server.pem", dir);
  snprintf(key_path, sizeof key_path, "%s/server.key", dir);
  char tickets[4096];
  snprintf(tickets, sizeof tickets, "%s/tickets.key", dir);
  int fd = open(tickets, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || read(fd, ticket_key, sizeof ticket_key) < 48) fail("tickets.key");
  close(fd);
}

static void report(double start, double handshake_start, double handshake_end, int resumed,
                   const char *version, const char *cipher) {
  dprintf(2, "setup_us=%.0f handshake_us=%.0f resumed=%d version=%s cipher=%s\n",
          handshake_start - start, handshake_end - handshake_start, resumed,
          version ? version : "?", cipher ? cipher : "?");
}

/* Each library file defines these. setup() returns an opaque context; serve() takes it. */
static void *setup(void);
static void serve(void *context, double start);

int main(int argc, char **argv) {
  double start = cpu_us();
  if (argc == 2 && strcmp(argv[1], "hello") == 0) {
    static const char hello[] = "hello\n";
    return write(1, hello, sizeof hello - 1) == sizeof hello - 1 ? 0 : 1;
  }
  if (argc != 3) fail("usage: PROG hello | setup DIR | serve DIR");
  paths(argv[2]);
  void *context = setup();
  if (strcmp(argv[1], "serve") == 0) serve(context, start);
  return 0;
}
