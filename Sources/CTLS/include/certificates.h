/* Making and reading certificates: slugctl tls, and slug-tls's check at start. */
#ifndef SLUG_CTLS_CERTIFICATES_H
#define SLUG_CTLS_CERTIFICATES_H

#include <stddef.h>
#include <stdint.h>

/* Room enough for any PEM these functions write (a P-256 key, a certificate with many names). */
enum { SLUG_CERT_PEM_MAX = 24576 };

/* A new ECDSA P-256 private key, as PEM (SEC 1, "EC PRIVATE KEY"). Returns the PEM's length,
 * or -1 with a message in `error`. */
long slug_cert_make_key(uint8_t *pem, size_t pem_size, char *error, size_t error_size);

/* What a certificate made by slug_cert_issue says. */
typedef struct {
  const char *common_name;    /* the subject's CN (63 bytes at most) */
  const char *organization;   /* the subject's O, or NULL */
  int is_ca;                  /* 1: basicConstraints CA, keyCertSign and cRLSign; 0: a TLS server
                                 certificate (digitalSignature, serverAuth) */
  int days_valid;             /* from the day before now (wolfSSL's start, for clocks behind) */
  const uint8_t *alt_names;   /* DER GeneralNames (the subjectAltName value), or NULL */
  size_t alt_names_length;
  const uint8_t *serial;      /* 1 to 20 bytes, positive (high bit clear) */
  size_t serial_length;
} slug_cert_request;

/* Makes a certificate for the key `subject_key_pem`, signed (ECDSA with SHA-256) by
 * `issuer_key_pem`, whose certificate `issuer_pem` names the issuer (NULL: self-signed, the issuer
 * key is the subject key). Writes the PEM certificate; returns its length, or -1 with a message. */
long slug_cert_issue(
  const slug_cert_request *request, const uint8_t *subject_key_pem, size_t subject_key_length,
  const uint8_t *issuer_key_pem, size_t issuer_key_length, const uint8_t *issuer_pem, size_t issuer_length,
  uint8_t *pem, size_t pem_size, char *error, size_t error_size);

enum {
  SLUG_CERT_KEY_MATCHES = 1,
  SLUG_CERT_KEY_DIFFERS = 0,
  SLUG_CERT_UNREADABLE = -1,
  SLUG_CERT_KEY_UNREADABLE = -2,
};

/* Whether the private key (PEM, any type wolfSSL reads: EC, RSA, PKCS#8) belongs to the first
 * certificate of `certificate_pem`: one of the SLUG_CERT_ codes above. */
int slug_cert_key_matches(
  const uint8_t *certificate_pem, size_t certificate_length, const uint8_t *key_pem, size_t key_length);

#endif
