/* wolfSSL 5.5 (Debian's libwolfssl-dev, libwolfssl.a). See common.h. Tickets are sealed with
 * ChaCha20-Poly1305 under the first 32 bytes of tickets.key (wolfSSL's own ticket key is random
 * per context, so another process could not open them). */
#include "common.h"

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>

static int seal_ticket(WOLFSSL *ssl, unsigned char name[WOLFSSL_TICKET_NAME_SZ],
                       unsigned char iv[WOLFSSL_TICKET_IV_SZ], unsigned char mac[WOLFSSL_TICKET_MAC_SZ],
                       int encrypt, unsigned char *ticket, int length, int *out_length, void *user) {
  (void)ssl;
  (void)user;
  unsigned char copy[4096];
  if (length < 0 || (size_t)length > sizeof copy) return WOLFSSL_TICKET_RET_REJECT;
  memcpy(copy, ticket, length);
  if (encrypt) {
    memcpy(name, ticket_key + 32, WOLFSSL_TICKET_NAME_SZ);
    if (getrandom(iv, WOLFSSL_TICKET_IV_SZ, 0) != WOLFSSL_TICKET_IV_SZ) return WOLFSSL_TICKET_RET_FATAL;
    memset(mac, 0, WOLFSSL_TICKET_MAC_SZ);
    if (wc_ChaCha20Poly1305_Encrypt(ticket_key, iv, name, WOLFSSL_TICKET_NAME_SZ, copy, length, ticket, mac))
      return WOLFSSL_TICKET_RET_FATAL;
  } else {
    if (memcmp(name, ticket_key + 32, WOLFSSL_TICKET_NAME_SZ)) return WOLFSSL_TICKET_RET_REJECT;
    if (wc_ChaCha20Poly1305_Decrypt(ticket_key, iv, name, WOLFSSL_TICKET_NAME_SZ, copy, length, mac, ticket))
      return WOLFSSL_TICKET_RET_REJECT;
  }
  *out_length = length;
  return WOLFSSL_TICKET_RET_OK;
}

static void *setup(void) {
  if (wolfSSL_Init() != WOLFSSL_SUCCESS) fail("wolfSSL_Init");
  WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
  if (!ctx) fail("wolfSSL_CTX_new");
  if (wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) fail("min version");
  if (wolfSSL_CTX_set_cipher_list(ctx, "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:"
        "TLS13-CHACHA20-POLY1305-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:"
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305") != WOLFSSL_SUCCESS)
    fail("cipher list");
  if (wolfSSL_CTX_use_certificate_chain_file(ctx, certificate_path) != WOLFSSL_SUCCESS) fail("certificate");
  if (wolfSSL_CTX_use_PrivateKey_file(ctx, key_path, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) fail("key");
#ifdef CHECK_PRIVATE_KEY
  /* bench/tls builds this variant: the key-matches-certificate check slug-tls makes per process. */
  if (wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS) fail("key does not match");
#endif
  if (wolfSSL_CTX_set_TicketEncCb(ctx, seal_ticket) != WOLFSSL_SUCCESS) fail("ticket callback");
  return ctx;
}

static void serve(void *context, double start) {
  WOLFSSL *ssl = wolfSSL_new(context);
  if (!ssl || wolfSSL_set_fd(ssl, 0) != WOLFSSL_SUCCESS) fail("wolfSSL_new");
  double begin = cpu_us();
  if (wolfSSL_accept(ssl) != WOLFSSL_SUCCESS) fail("wolfSSL_accept");
  double end = cpu_us();
  char line[256];
  if (wolfSSL_read(ssl, line, sizeof line) <= 0) fail("wolfSSL_read");
  if (wolfSSL_write(ssl, "ok\n", 3) != 3) fail("wolfSSL_write");
  report(start, begin, end, wolfSSL_session_reused(ssl), wolfSSL_get_version(ssl),
         wolfSSL_get_cipher_name(ssl));
  wolfSSL_shutdown(ssl);
}
