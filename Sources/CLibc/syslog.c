/* The daemons' syslog client. libc's syslog(3) stamps each line with the local time, which
 * brings the C library's time zone code (reading /etc/localtime, TZ rules), strftime and
 * printf into every daemon: 20 KB of in.proxy's and in.mvp's 300 KB budgets (musl). The syslog
 * daemon stamps a line that has no time of its own (rsyslog, journald and busybox syslogd all
 * do; rsyslog and journald ignore a local client's stamp anyway), so the line sent here is
 * "<PRIORITY>IDENT[PID]: TEXT\n" on a datagram socket connected to /dev/log, as musl sends it
 * but for the time. As musl's, a line is at most 1024 bytes (the rest is cut), the send
 * blocks while the syslog daemon's queue is full, and a lost connection (syslogd restarted)
 * is made again once per line. */
#include "CLibc.h"
#include <sys/socket.h>
#include <sys/un.h>

static int log_socket = -1;
static int log_facility = LOG_USER;
static char log_ident[64];

static void log_connect(void) {
  if (log_socket >= 0) close(log_socket);
  log_socket = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (log_socket < 0) return;
  struct sockaddr_un address = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
  if (connect(log_socket, (struct sockaddr *)&address, sizeof address) < 0) {
    close(log_socket);
    log_socket = -1;
  }
}

void slug_openlog(const char *ident, int facility) {
  size_t length = strlen(ident);
  if (length >= sizeof log_ident) length = sizeof log_ident - 1;
  memcpy(log_ident, ident, length);
  log_ident[length] = 0;
  log_facility = facility & LOG_FACMASK;
  log_connect();
}

static size_t put_text(char *buffer, size_t at, size_t size, const char *text) {
  while (*text && at < size) buffer[at++] = *text++;
  return at;
}

static size_t put_number(char *buffer, size_t at, size_t size, unsigned long number) {
  char digits[24];
  int count = 0;
  do digits[count++] = (char)('0' + number % 10);
  while ((number /= 10) != 0);
  while (count > 0 && at < size) buffer[at++] = digits[--count];
  return at;
}

void slug_syslog(int priority, const char *line) {
  if (log_socket < 0) log_connect();
  if (log_socket < 0) return;
  if (!(priority & LOG_FACMASK)) priority |= log_facility;
  char message[1024];
  size_t length = put_text(message, 0, sizeof message, "<");
  length = put_number(message, length, sizeof message, (unsigned long)(priority & (LOG_FACMASK | LOG_PRIMASK)));
  length = put_text(message, length, sizeof message, ">");
  length = put_text(message, length, sizeof message, log_ident);
  length = put_text(message, length, sizeof message, "[");
  length = put_number(message, length, sizeof message, (unsigned long)getpid());
  length = put_text(message, length, sizeof message, "]: ");
  length = put_text(message, length, sizeof message - 1, line);
  message[length++] = '\n';
  while (send(log_socket, message, length, MSG_NOSIGNAL) < 0) {
    if (errno == EINTR) continue;
    if (errno != ECONNREFUSED && errno != ECONNRESET && errno != ENOTCONN && errno != EPIPE) return;
    log_connect();
    if (log_socket < 0 || send(log_socket, message, length, MSG_NOSIGNAL) < 0) return;
    break;
  }
}
