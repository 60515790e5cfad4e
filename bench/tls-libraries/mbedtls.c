/* mbedTLS 2.28 (Debian's libmbedtls-dev: libmbedtls.a, libmbedx509.a, libmbedcrypto.a). TLS 1.2
 * only: 2.28's TLS 1.3 is experimental and off in Debian's build (MBEDTLS_SSL_PROTO_TLS1_3_EXPERIMENTAL
 * is not defined in mbedtls/config.h). See common.h. mbedtls_ssl_ticket_setup draws its key from
 * the random generator it is given: here, at set-up, the bytes of tickets.key, so that every
 * process has the same key; afterwards the real generator. */
#include "common.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_ssl_config config;
static mbedtls_x509_crt chain;
static mbedtls_pk_context key;
static mbedtls_ssl_ticket_context tickets;
static size_t fixed_used = SIZE_MAX;

static int ticket_random(void *unused, unsigned char *out, size_t length) {
  (void)unused;
  if (fixed_used + length <= sizeof ticket_key) {
    memcpy(out, ticket_key + fixed_used, length);
    fixed_used += length;
    return 0;
  }
  return mbedtls_ctr_drbg_random(&drbg, out, length);
}

static void *setup(void) {
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0)) fail("drbg");
  mbedtls_ssl_config_init(&config);
  if (mbedtls_ssl_config_defaults(&config, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT)) fail("config");
  mbedtls_ssl_conf_min_version(&config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  static const int suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0};
  mbedtls_ssl_conf_ciphersuites(&config, suites);
  mbedtls_ssl_conf_rng(&config, mbedtls_ctr_drbg_random, &drbg);
  mbedtls_x509_crt_init(&chain);
  if (mbedtls_x509_crt_parse_file(&chain, certificate_path)) fail("certificate");
  mbedtls_pk_init(&key);
  if (mbedtls_pk_parse_keyfile(&key, key_path, NULL)) fail("key");
  if (mbedtls_ssl_conf_own_cert(&config, &chain, &key)) fail("own cert");
  mbedtls_ssl_ticket_init(&tickets);
  fixed_used = 0;
  if (mbedtls_ssl_ticket_setup(&tickets, ticket_random, NULL, MBEDTLS_CIPHER_AES_256_GCM, 7200))
    fail("tickets");
  fixed_used = SIZE_MAX;
  mbedtls_ssl_conf_session_tickets_cb(&config, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse,
                                      &tickets);
  return &config;
}

static void serve(void *context, double start) {
  static mbedtls_ssl_context ssl;
  mbedtls_net_context socket = {.fd = 0};
  mbedtls_ssl_init(&ssl);
  if (mbedtls_ssl_setup(&ssl, context)) fail("mbedtls_ssl_setup");
  mbedtls_ssl_set_bio(&ssl, &socket, mbedtls_net_send, mbedtls_net_recv, NULL);
  double begin = cpu_us();
  if (mbedtls_ssl_handshake(&ssl)) fail("mbedtls_ssl_handshake");
  double end = cpu_us();
  unsigned char line[256];
  if (mbedtls_ssl_read(&ssl, line, sizeof line) <= 0) fail("mbedtls_ssl_read");
  if (mbedtls_ssl_write(&ssl, (const unsigned char *)"ok\n", 3) != 3) fail("mbedtls_ssl_write");
  /* 2.28 has no public "was this session resumed" call: resumed=-1, the client's view counts. */
  report(start, begin, end, -1, mbedtls_ssl_get_version(&ssl), mbedtls_ssl_get_ciphersuite(&ssl));
  mbedtls_ssl_close_notify(&ssl);
}
