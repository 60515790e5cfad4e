/* The server side of one TLS connection: what slug-tls runs for a daemon. */
#ifndef SLUG_CTLS_SESSION_H
#define SLUG_CTLS_SESSION_H

#include <stddef.h>
#include <stdint.h>

enum {
  SLUG_TLS_DONE = 1,
  SLUG_TLS_WANT_READ = -2,
  SLUG_TLS_WANT_WRITE = -3,
  SLUG_TLS_ERROR = -1,
};

typedef struct slug_tls_server slug_tls_server;

/* Loads the certificate chain and key (PEM files) and the ticket secret (32 bytes or more; NULL
 * turns session tickets off). TLS 1.2 and 1.3, forward-secret suites only. NULL on failure, with
 * a message naming the file in `error`. */
slug_tls_server *slug_tls_server_new(
  const char *chain_path, const char *key_path, const uint8_t *ticket_secret, size_t secret_length,
  char *error, size_t error_size);
void slug_tls_server_free(slug_tls_server *server);

/* Takes `fd` (a connected, non-blocking socket) for the handshake. */
int slug_tls_server_attach(slug_tls_server *server, int fd);
/* One step of the handshake: SLUG_TLS_DONE, SLUG_TLS_WANT_READ or _WRITE, or SLUG_TLS_ERROR. */
int slug_tls_handshake(slug_tls_server *server);
/* Bytes read (> 0), 0 when the peer closed (close_notify or EOF), or a SLUG_TLS_ code. */
long slug_tls_read(slug_tls_server *server, void *buffer, size_t size);
/* Bytes written (> 0) or a SLUG_TLS_ code. */
long slug_tls_write(slug_tls_server *server, const void *buffer, size_t size);
/* Sends close_notify (best effort). */
void slug_tls_close(slug_tls_server *server);
/* Gives the memory the handshake freed back to the system (malloc_trim): a helper lives as long
 * as its connection, and the handshake's big temporaries would otherwise stay its own. */
void slug_tls_release_memory(void);
/* Bytes wolfSSL holds already decrypted, to be read before polling the socket again. */
int slug_tls_pending(slug_tls_server *server);

/* After the handshake: "TLSv1.3", the suite's name, whether the session was resumed, the name
 * the client asked for (SNI, or ""). */
const char *slug_tls_version(slug_tls_server *server);
const char *slug_tls_cipher(slug_tls_server *server);
int slug_tls_resumed(slug_tls_server *server);
const char *slug_tls_server_name(slug_tls_server *server);
/* RFC 9266 tls-exporter (32 bytes; TLS 1.3 only): 1 when written, 0 otherwise. */
int slug_tls_exporter(slug_tls_server *server, uint8_t out[32]);
/* RFC 5929 tls-server-end-point: the hash of our leaf certificate (SHA-256, as the certificates
 * slugctl makes are signed with it). 1 when written. */
int slug_tls_server_end_point(slug_tls_server *server, uint8_t out[32]);
/* The last error, as text. */
void slug_tls_error_text(slug_tls_server *server, char *out, size_t size);

#endif
