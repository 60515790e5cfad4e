/* OpenSSL 3 (Debian's libssl-dev, libssl.a and libcrypto.a). See common.h. */
#include "common.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

static void *setup(void) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) fail("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20");
  SSL_CTX_set_num_tickets(ctx, 1);
  if (SSL_CTX_use_certificate_chain_file(ctx, certificate_path) != 1) fail("certificate");
  if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1) fail("key");
  if (SSL_CTX_set_tlsext_ticket_keys(ctx, ticket_key, 80) != 1) fail("ticket keys");
  return ctx;
}

static void serve(void *context, double start) {
  SSL *ssl = SSL_new(context);
  if (!ssl || SSL_set_fd(ssl, 0) != 1) fail("SSL_new");
  double begin = cpu_us();
  if (SSL_accept(ssl) != 1) fail("SSL_accept");
  double end = cpu_us();
  char line[256];
  if (SSL_read(ssl, line, sizeof line) <= 0) fail("SSL_read");
  if (SSL_write(ssl, "ok\n", 3) != 3) fail("SSL_write");
  report(start, begin, end, SSL_session_reused(ssl), SSL_get_version(ssl), SSL_get_cipher_name(ssl));
  SSL_shutdown(ssl);
}
