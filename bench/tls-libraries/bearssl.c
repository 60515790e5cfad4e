/* BearSSL 0.6 (Debian's libbearssl-dev, libbearssl.a). TLS 1.2 at most (bearssl_ssl.h defines
 * no version above BR_TLS12). No tickets: resumption is by session ID from a cache the
 * application supplies (br_ssl_session_cache_class; the one given is an in-memory LRU), so one
 * process per connection resumes nothing without a cache of one's own in shared storage.
 * BearSSL reads no files: the PEM decoding below is part of what a daemon would pay.
 * See common.h. */
#include "common.h"

#include <bearssl.h>
#include <errno.h>

static unsigned char der[16384];
static size_t der_length;
static br_x509_certificate chain[4];
static size_t chain_length;
static br_skey_decoder_context key;

static void append(void *unused, const void *data, size_t length) {
  (void)unused;
  if (der_length + length > sizeof der) fail("PEM too large");
  memcpy(der + der_length, data, length);
  der_length += length;
}

static void read_pem(const char *path, int want_key) {
  static unsigned char text[16384];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t length = fd < 0 ? -1 : read(fd, text, sizeof text);
  if (length <= 0) fail(path);
  close(fd);
  br_pem_decoder_context pem;
  br_pem_decoder_init(&pem);
  size_t done = 0, start = 0;
  while (done < (size_t)length) {
    done += br_pem_decoder_push(&pem, text + done, length - done);
    switch (br_pem_decoder_event(&pem)) {
    case BR_PEM_BEGIN_OBJ:
      start = der_length;
      br_pem_decoder_setdest(&pem, append, NULL);
      break;
    case BR_PEM_END_OBJ:
      if (want_key) {
        br_skey_decoder_init(&key);
        br_skey_decoder_push(&key, der + start, der_length - start);
        if (br_skey_decoder_last_error(&key) || !br_skey_decoder_get_ec(&key)) fail("key");
      } else if (chain_length < 4) {
        chain[chain_length].data = der + start;
        chain[chain_length++].data_len = der_length - start;
      }
      break;
    case BR_PEM_ERROR:
      fail(path);
    }
  }
}

static br_ssl_server_context server;
static unsigned char buffer[BR_SSL_BUFSIZE_BIDI];

static void *setup(void) {
  read_pem(certificate_path, 0);
  read_pem(key_path, 1);
  if (chain_length == 0) fail("certificate");
  br_ssl_server_init_full_ec(&server, chain, chain_length, BR_KEYTYPE_EC, br_skey_decoder_get_ec(&key));
  br_ssl_engine_set_versions(&server.eng, BR_TLS12, BR_TLS12);
  static const uint16_t suites[] = {
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256};
  br_ssl_engine_set_suites(&server.eng, suites, sizeof suites / sizeof suites[0]);
  br_ssl_engine_set_buffer(&server.eng, buffer, sizeof buffer, 1);
  return &server;
}

static int low_read(void *fd, unsigned char *data, size_t length) {
  for (;;) {
    ssize_t n = read(*(int *)fd, data, length);
    if (n > 0) return n;
    if (n < 0 && errno == EINTR) continue;
    return -1;
  }
}

static int low_write(void *fd, const unsigned char *data, size_t length) {
  for (;;) {
    ssize_t n = write(*(int *)fd, data, length);
    if (n > 0) return n;
    if (n < 0 && errno == EINTR) continue;
    return -1;
  }
}

static void serve(void *context, double start) {
  br_ssl_server_context *sc = context;
  if (!br_ssl_server_reset(sc)) fail("br_ssl_server_reset");
  static int fd = 0;
  br_sslio_context io;
  br_sslio_init(&io, &sc->eng, low_read, &fd, low_write, &fd);
  /* br_sslio runs the handshake inside the first read: the time includes decrypting the
   * client's one short line, a few microseconds. */
  double begin = cpu_us();
  char line[256];
  if (br_sslio_read(&io, line, sizeof line) <= 0) fail("br_sslio_read");
  double end = cpu_us();
  if (br_sslio_write_all(&io, "ok\n", 3) || br_sslio_flush(&io)) fail("br_sslio_write");
  br_ssl_session_parameters session;
  br_ssl_engine_get_session_parameters(&sc->eng, &session);
  char cipher[16];
  snprintf(cipher, sizeof cipher, "0x%04X", session.cipher_suite);
  report(start, begin, end, -1, br_ssl_engine_get_version(&sc->eng) == BR_TLS12 ? "TLSv1.2" : "?", cipher);
  br_sslio_close(&io);
}
