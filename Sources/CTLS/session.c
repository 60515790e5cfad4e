/* The server side of one TLS connection, over wolfSSL: what slug-tls runs for a daemon.
 * docs/design.md, "TLS", says why wolfSSL and why a helper process. */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <errno.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "certificates.h"
#include "session.h"

/* Forward-secret suites only: TLS 1.3's, and ECDHE with AEAD for TLS 1.2. */
static const char suites[] =
  "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256:"
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
  "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";

/* A ticket key serves one period; the one before still opens tickets. */
#define TICKET_PERIOD_SECONDS (12 * 60 * 60)

struct slug_tls_server {
  WOLFSSL_CTX *context;
  WOLFSSL *session;
  uint8_t ticket_secret[64];
  size_t secret_length;
  uint8_t end_point[WC_SHA256_DIGEST_SIZE];
  int has_end_point;
  WC_RNG random;
  int has_random;
};

/* memset that the compiler may not drop. */
static void wipe(void *bytes, size_t length) {
  volatile uint8_t *pointer = bytes;
  while (length--) *pointer++ = 0;
}

static void say(char *error, size_t size, const char *format, const char *a, const char *b) {
  if (error && size) snprintf(error, size, format, a, b);
}

/* A PEM file of at most 64 KiB, opened without following a link and refused unless regular:
 * its length, or -1 with `why` set. */
static long read_pem(const char *path, uint8_t *buffer, size_t size, const char **why) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *why = errno == ENOENT ? "missing" : errno == ELOOP ? "a symbolic link, refused" : strerror(errno);
    return -1;
  }
  struct stat status;
  if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    close(fd);
    *why = "not a regular file";
    return -1;
  }
  size_t length = 0;
  while (length < size) {
    ssize_t count = read(fd, buffer + length, size - length);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    length += (size_t)count;
  }
  close(fd);
  if (length == size) {
    *why = "larger than 64 KiB";
    return -1;
  }
  return (long)length;
}

/* HMAC-SHA256(secret, label || period): the key of a period, or the tag naming it. */
static int derive(const slug_tls_server *server, const char *label, uint64_t period, uint8_t out[32]) {
  Hmac hmac;
  uint8_t counter[8];
  for (int index = 0; index < 8; index++) counter[index] = (uint8_t)(period >> (56 - 8 * index));
  if (wc_HmacInit(&hmac, NULL, INVALID_DEVID) != 0) return -1;
  int failed = wc_HmacSetKey(&hmac, WC_SHA256, server->ticket_secret, (word32)server->secret_length) != 0 ||
    wc_HmacUpdate(&hmac, (const byte *)label, (word32)strlen(label)) != 0 ||
    wc_HmacUpdate(&hmac, counter, sizeof counter) != 0 || wc_HmacFinal(&hmac, out) != 0;
  wc_HmacFree(&hmac);
  return failed ? -1 : 0;
}

/* Seals and opens session tickets with ChaCha20-Poly1305 under the period's key. The key name
 * carries the period (8 bytes) and a tag of the secret for it (8 bytes). */
static int ticket_callback(
  WOLFSSL *ssl, unsigned char name[WOLFSSL_TICKET_NAME_SZ], unsigned char iv[WOLFSSL_TICKET_IV_SZ],
  unsigned char mac[WOLFSSL_TICKET_MAC_SZ], int encrypt, unsigned char *ticket, int length, int *out_length,
  void *context) {
  slug_tls_server *server = context;
  uint8_t key[32], tag[32];
  uint64_t now = (uint64_t)time(NULL) / TICKET_PERIOD_SECONDS;
  (void)ssl;
  if (length < 0 || length > 4096) return WOLFSSL_TICKET_RET_REJECT;
  if (encrypt) {
    if (!server->has_random || derive(server, "slug ticket key", now, key) != 0 ||
        derive(server, "slug ticket name", now, tag) != 0)
      return WOLFSSL_TICKET_RET_FATAL;
    for (int index = 0; index < 8; index++) name[index] = (uint8_t)(now >> (56 - 8 * index));
    memcpy(name + 8, tag, 8);
    if (wc_RNG_GenerateBlock(&server->random, iv, WOLFSSL_TICKET_IV_SZ) != 0) return WOLFSSL_TICKET_RET_FATAL;
    memset(mac, 0, WOLFSSL_TICKET_MAC_SZ);
    if (wc_ChaCha20Poly1305_Encrypt(key, iv, name, WOLFSSL_TICKET_NAME_SZ, ticket, (word32)length, ticket, mac) != 0)
      return WOLFSSL_TICKET_RET_FATAL;
    *out_length = length;
    wipe(key, sizeof key);
    return WOLFSSL_TICKET_RET_OK;
  }
  uint64_t period = 0;
  for (int index = 0; index < 8; index++) period = period << 8 | name[index];
  if (period != now && period + 1 != now) return WOLFSSL_TICKET_RET_REJECT;
  if (derive(server, "slug ticket name", period, tag) != 0 || memcmp(tag, name + 8, 8) != 0)
    return WOLFSSL_TICKET_RET_REJECT;
  if (derive(server, "slug ticket key", period, key) != 0) return WOLFSSL_TICKET_RET_REJECT;
  int opened = wc_ChaCha20Poly1305_Decrypt(key, iv, name, WOLFSSL_TICKET_NAME_SZ, ticket, (word32)length, mac, ticket);
  wipe(key, sizeof key);
  if (opened != 0) return WOLFSSL_TICKET_RET_REJECT;
  *out_length = length;
  return period == now ? WOLFSSL_TICKET_RET_OK : WOLFSSL_TICKET_RET_CREATE;
}

slug_tls_server *slug_tls_server_new(
  const char *chain_path, const char *key_path, const uint8_t *ticket_secret, size_t secret_length, char *error,
  size_t error_size) {
  if (wolfSSL_Init() != WOLFSSL_SUCCESS) {
    say(error, error_size, "wolfSSL_Init failed%s%s", "", "");
    return NULL;
  }
  slug_tls_server *server = calloc(1, sizeof *server);
  if (!server) return NULL;
  server->context = wolfSSL_CTX_new(wolfSSLv23_server_method());
  if (!server->context) {
    say(error, error_size, "cannot make a TLS context%s%s", "", "");
    goto failed;
  }
  wolfSSL_CTX_SetMinVersion(server->context, WOLFSSL_TLSV1_2);
  if (wolfSSL_CTX_set_cipher_list(server->context, suites) != WOLFSSL_SUCCESS) {
    say(error, error_size, "cannot set the cipher suites%s%s", "", "");
    goto failed;
  }
  static uint8_t chain[65536], key[65536];
  const char *why = NULL;
  long chain_length = read_pem(chain_path, chain, sizeof chain, &why);
  if (chain_length < 0) {
    say(error, error_size, "%s: %s", chain_path, why);
    goto failed;
  }
  long key_length = read_pem(key_path, key, sizeof key, &why);
  if (key_length < 0) {
    say(error, error_size, "%s: %s", key_path, why);
    goto failed;
  }
  int loaded =
    wolfSSL_CTX_use_certificate_chain_buffer(server->context, chain, chain_length) == WOLFSSL_SUCCESS;
  if (!loaded) {
    say(error, error_size, "%s: not a PEM certificate chain%s", chain_path, "");
    goto failed;
  }
  loaded = wolfSSL_CTX_use_PrivateKey_buffer(server->context, key, key_length, WOLFSSL_FILETYPE_PEM) == WOLFSSL_SUCCESS;
  /* wolfSSL_CTX_check_private_key (5.5) passes any EC key: the public keys are compared. */
  int matches = loaded ? slug_cert_key_matches(chain, (size_t)chain_length, key, (size_t)key_length) : 0;
  wipe(key, (size_t)key_length);
  if (!loaded || matches == SLUG_CERT_KEY_UNREADABLE) {
    say(error, error_size, "%s: not a PEM private key%s", key_path, "");
    goto failed;
  }
  if (matches != SLUG_CERT_KEY_MATCHES) {
    say(error, error_size, "%s does not match the certificate in %s", key_path, chain_path);
    goto failed;
  }
  WOLFSSL_X509 *leaf = wolfSSL_CTX_get0_certificate(server->context);
  if (leaf) {
    WOLFSSL_ASN1_TIME *after = wolfSSL_X509_get_notAfter(leaf);
    WOLFSSL_ASN1_TIME *before = wolfSSL_X509_get_notBefore(leaf);
    if (after && wolfSSL_X509_cmp_current_time(after) <= 0) {
      say(error, error_size, "%s: the certificate has expired%s", chain_path, "");
      goto failed;
    }
    if (before && wolfSSL_X509_cmp_current_time(before) > 0) {
      say(error, error_size, "%s: the certificate is not valid yet%s", chain_path, "");
      goto failed;
    }
    int length = 0;
    const unsigned char *der = wolfSSL_X509_get_der(leaf, &length);
    if (der && length > 0 && wc_Sha256Hash(der, (word32)length, server->end_point) == 0) server->has_end_point = 1;
  }
  if (ticket_secret && secret_length >= 32 && secret_length <= sizeof server->ticket_secret &&
      wc_InitRng(&server->random) == 0) {
    server->has_random = 1;
    memcpy(server->ticket_secret, ticket_secret, secret_length);
    server->secret_length = secret_length;
    wolfSSL_CTX_set_TicketEncCb(server->context, ticket_callback);
    wolfSSL_CTX_set_TicketEncCtx(server->context, server);
    wolfSSL_CTX_set_TicketHint(server->context, TICKET_PERIOD_SECONDS);
    /* TLS 1.2 resumption reuses the master secret, so a ticket key that leaked would open the
     * traffic; TLS 1.3's psk_dhe_ke does a fresh key exchange. */
    wolfSSL_CTX_NoTicketTLSv12(server->context);
  } else {
    wolfSSL_CTX_set_options(server->context, WOLFSSL_OP_NO_TICKET);
  }
  return server;
failed:
  slug_tls_server_free(server);
  return NULL;
}

void slug_tls_server_free(slug_tls_server *server) {
  if (!server) return;
  if (server->session) wolfSSL_free(server->session);
  if (server->context) wolfSSL_CTX_free(server->context);
  if (server->has_random) wc_FreeRng(&server->random);
  wipe(server->ticket_secret, sizeof server->ticket_secret);
  free(server);
}

int slug_tls_server_attach(slug_tls_server *server, int fd) {
  server->session = wolfSSL_new(server->context);
  if (!server->session) return SLUG_TLS_ERROR;
  return wolfSSL_set_fd(server->session, fd) == WOLFSSL_SUCCESS ? SLUG_TLS_DONE : SLUG_TLS_ERROR;
}

static int status_of(slug_tls_server *server, int result) {
  switch (wolfSSL_get_error(server->session, result)) {
  case WOLFSSL_ERROR_WANT_READ: return SLUG_TLS_WANT_READ;
  case WOLFSSL_ERROR_WANT_WRITE: return SLUG_TLS_WANT_WRITE;
  default: return SLUG_TLS_ERROR;
  }
}

int slug_tls_handshake(slug_tls_server *server) {
  int result = wolfSSL_accept(server->session);
  return result == WOLFSSL_SUCCESS ? SLUG_TLS_DONE : status_of(server, result);
}

long slug_tls_read(slug_tls_server *server, void *buffer, size_t size) {
  int result = wolfSSL_read(server->session, buffer, (int)(size > 0x7fffffff ? 0x7fffffff : size));
  if (result > 0) return result;
  int code = wolfSSL_get_error(server->session, result);
  if (code == WOLFSSL_ERROR_ZERO_RETURN || code == SOCKET_PEER_CLOSED_E) return 0;
  return status_of(server, result);
}

long slug_tls_write(slug_tls_server *server, const void *buffer, size_t size) {
  int result = wolfSSL_write(server->session, buffer, (int)(size > 0x7fffffff ? 0x7fffffff : size));
  return result > 0 ? result : status_of(server, result);
}

void slug_tls_close(slug_tls_server *server) {
  if (server->session) wolfSSL_shutdown(server->session);
}

void slug_tls_release_memory(void) {
  /* FP_ECC (Debian's build) caches fixed-point tables for the curves the handshake used:
   * most of a helper's heap, of no use to a process that does one handshake. glibc keeps
   * freed memory until asked; musl's allocator returns it as it goes. */
  wc_ecc_fp_free();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

int slug_tls_pending(slug_tls_server *server) { return wolfSSL_pending(server->session); }

const char *slug_tls_version(slug_tls_server *server) { return wolfSSL_get_version(server->session); }

const char *slug_tls_cipher(slug_tls_server *server) {
  const char *name = wolfSSL_get_cipher_name(server->session);
  return name ? name : "";
}

int slug_tls_resumed(slug_tls_server *server) { return wolfSSL_session_reused(server->session) == 1; }

const char *slug_tls_server_name(slug_tls_server *server) {
  void *name = NULL;
  unsigned short length = wolfSSL_SNI_GetRequest(server->session, WOLFSSL_SNI_HOST_NAME, &name);
  static char copy[256];
  if (!name || length == 0 || length >= sizeof copy) return "";
  memcpy(copy, name, length);
  copy[length] = 0;
  for (unsigned short index = 0; index < length; index++) {
    unsigned char c = (unsigned char)copy[index];
    if (!(c == '-' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
      return "";
  }
  return copy;
}

int slug_tls_exporter(slug_tls_server *server, uint8_t out[32]) {
  if (wolfSSL_version(server->session) != TLS1_3_VERSION) return 0;
  static const char label[] = "EXPORTER-Channel-Binding";
  return wolfSSL_export_keying_material(server->session, out, 32, label, sizeof label - 1, NULL, 0, 0) ==
    WOLFSSL_SUCCESS;
}

int slug_tls_server_end_point(slug_tls_server *server, uint8_t out[32]) {
  if (!server->has_end_point) return 0;
  memcpy(out, server->end_point, 32);
  return 1;
}

void slug_tls_error_text(slug_tls_server *server, char *out, size_t size) {
  int code = server->session ? wolfSSL_get_error(server->session, 0) : 0;
  char text[WOLFSSL_MAX_ERROR_SZ];
  wolfSSL_ERR_error_string_n((unsigned long)code, text, sizeof text);
  snprintf(out, size, "%s", text);
}
