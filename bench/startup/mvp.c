/* The C baseline for bench/startup: an in.mvp doing the same work as slug's in.mvp, written
 * the way a careful C programmer would (dynamic glibc, cc -O2), so the benchmark compares
 * start-up and per-datagram cost, not features.
 *
 * in.mvp [-d] [-i IDLE_SECONDS] [--gui-port N] [--media-port N] [--console-port N] [ADDRESS]
 * fd 0 is the bound UDP socket from inetd (`wait`). Every 52-byte MediaMVP locator request
 * (id1 0xBABE, id2 0xFAFE) is answered with the 52-byte locator reply, sent to the client
 * IP:port carried inside the request. Exits after IDLE_SECONDS without a datagram (default
 * 30; 0 = as soon as the socket is empty). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

enum { LOCATOR_SIZE = 52, EX_USAGE = 64 };

static int log_to_stderr;

static void say(int priority, const char *format, ...) {
  va_list args;
  va_start(args, format);
  if (log_to_stderr) {
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
  } else {
    vsyslog(priority, format, args);
  }
  va_end(args);
}

static int parse_number(const char *text, long max, long *out) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno || end == text || *end || value < 0 || value > max) return -1;
  *out = value;
  return 0;
}

static void put16(uint8_t *at, uint16_t value) {
  at[0] = value >> 8;
  at[1] = value & 0xff;
}

/* The MAC of the interface carrying ADDRESS (zeros if none has it, e.g. loopback). */
static void interface_mac(struct in_addr address, uint8_t mac[6]) {
  memset(mac, 0, 6);
  int probe = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return;
  struct ifreq requests[32];
  struct ifconf conf = {.ifc_len = sizeof requests, .ifc_req = requests};
  if (ioctl(probe, SIOCGIFCONF, &conf) == 0) {
    for (size_t i = 0; i < conf.ifc_len / sizeof requests[0]; i++) {
      struct sockaddr_in *in = (struct sockaddr_in *)&requests[i].ifr_addr;
      if (in->sin_family != AF_INET || in->sin_addr.s_addr != address.s_addr) continue;
      if (ioctl(probe, SIOCGIFHWADDR, &requests[i]) == 0)
        memcpy(mac, requests[i].ifr_hwaddr.sa_data, 6);
      break;
    }
  }
  close(probe);
}

int main(int argc, char **argv) {
  long idle = 30, gui_port = 5906, media_port = 6337, console_port = 16886;
  const char *address_text = NULL;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    long *port = !strcmp(arg, "--gui-port")       ? &gui_port
                 : !strcmp(arg, "--media-port")   ? &media_port
                 : !strcmp(arg, "--console-port") ? &console_port
                                                  : NULL;
    if (!strcmp(arg, "-d")) {
      log_to_stderr = 1;
    } else if (!strcmp(arg, "-i") && i + 1 < argc) {
      if (parse_number(argv[++i], 86400, &idle)) goto usage;
    } else if (port && i + 1 < argc) {
      if (parse_number(argv[++i], 65535, port)) goto usage;
    } else if (arg[0] != '-' && !address_text) {
      address_text = arg;
    } else {
      goto usage;
    }
  }
  openlog("in.mvp", LOG_PID, LOG_DAEMON);

  struct in_addr server;
  if (address_text) {
    if (inet_pton(AF_INET, address_text, &server) != 1) goto usage;
  } else {
    struct sockaddr_in bound;
    socklen_t length = sizeof bound;
    if (getsockname(0, (struct sockaddr *)&bound, &length) || bound.sin_family != AF_INET) {
      say(LOG_ERR, "fd 0 is not an IPv4 socket and no ADDRESS was given");
      return EX_USAGE;
    }
    server = bound.sin_addr;
  }
  uint8_t mac[6];
  interface_mac(server, mac);
  char server_text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &server, server_text, sizeof server_text);

  struct pollfd socket_ready = {.fd = 0, .events = POLLIN};
  for (;;) {
    int ready = poll(&socket_ready, 1, (int)idle * 1000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    uint8_t packet[LOCATOR_SIZE + 1];
    struct sockaddr_in source;
    socklen_t source_length = sizeof source;
    ssize_t size = recvfrom(0, packet, sizeof packet, MSG_TRUNC, (struct sockaddr *)&source,
                            &source_length);
    if (size < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      say(LOG_ERR, "recvfrom: %s", strerror(errno));
      return 74;
    }
    char source_text[INET_ADDRSTRLEN] = "?";
    if (source.sin_family == AF_INET)
      inet_ntop(AF_INET, &source.sin_addr, source_text, sizeof source_text);
    if (size != LOCATOR_SIZE) {
      say(LOG_ERR, "MVPERR size=%zd host=%s", size, source_text);
      continue;
    }
    if (packet[4] != 0xBA || packet[5] != 0xBE || packet[6] != 0xFA || packet[7] != 0xFE) {
      say(LOG_ERR, "MVPERR wrong ids=%X %X %X %X host=%s", packet[4], packet[5], packet[6],
          packet[7], source_text);
      continue;
    }
    uint8_t reply[LOCATOR_SIZE] = {0};
    memcpy(reply, packet, 4);
    put16(reply + 4, 0xFAFE);
    put16(reply + 6, 0xBABE);
    memcpy(reply + 8, mac, 6);
    memcpy(reply + 16, packet + 16, 4);
    put16(reply + 20, 2048);
    memcpy(reply + 24, &server, 4);
    put16(reply + 28, gui_port);
    memcpy(reply + 32, &server, 4);
    put16(reply + 36, media_port);
    memcpy(reply + 44, &server, 4);
    put16(reply + 48, console_port);

    struct sockaddr_in client = {.sin_family = AF_INET};
    memcpy(&client.sin_addr, packet + 16, 4);
    memcpy(&client.sin_port, packet + 20, 2);
    if (sendto(0, reply, sizeof reply, 0, (struct sockaddr *)&client, sizeof client) < 0)
      say(LOG_ERR, "sendto %s: %s", source_text, strerror(errno));
    else
      say(LOG_NOTICE, "MVPOUT dest=%s:%u server=%s", inet_ntoa(client.sin_addr),
          ntohs(client.sin_port), server_text);
  }
  return 0;

usage:
  fprintf(stderr, "usage: in.mvp [-d] [-i IDLE_SECONDS] [--gui-port N] [--media-port N] "
                  "[--console-port N] [ADDRESS]\n");
  return EX_USAGE;
}
