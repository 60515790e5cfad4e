/* libtls (Debian's libtls-dev: LibreTLS, the libtls API of LibreSSL on OpenSSL 3). See
 * common.h. */
#include "common.h"

#include <tls.h>

static void *setup(void) {
  if (tls_init() != 0) fail("tls_init");
  struct tls_config *config = tls_config_new();
  if (!config) fail("tls_config_new");
  if (tls_config_set_protocols(config, TLS_PROTOCOL_TLSv1_2 | TLS_PROTOCOL_TLSv1_3)) fail("protocols");
  if (tls_config_set_ciphers(config, "secure")) fail("ciphers");
  if (tls_config_set_keypair_file(config, certificate_path, key_path)) fail(tls_config_error(config));
  if (tls_config_set_session_id(config, (const unsigned char *)"bench", 5)) fail("session id");
  if (tls_config_set_session_lifetime(config, 7200)) fail("lifetime");
  if (tls_config_add_ticket_key(config, 1, ticket_key, TLS_TICKET_KEY_SIZE)) fail("ticket key");
  struct tls *server = tls_server();
  if (!server || tls_configure(server, config)) fail("tls_configure");
  return server;
}

static void serve(void *context, double start) {
  struct tls *connection;
  if (tls_accept_socket(context, &connection, 0)) fail("tls_accept_socket");
  double begin = cpu_us();
  if (tls_handshake(connection)) fail(tls_error(connection));
  double end = cpu_us();
  char line[256];
  if (tls_read(connection, line, sizeof line) <= 0) fail("tls_read");
  if (tls_write(connection, "ok\n", 3) != 3) fail("tls_write");
  report(start, begin, end, tls_conn_session_resumed(connection), tls_conn_version(connection),
         tls_conn_cipher(connection));
  tls_close(connection);
}
