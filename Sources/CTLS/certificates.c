#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certificates.h"

static void say(char *error, size_t size, const char *what, int code) {
  if (error == NULL || size == 0) return;
  if (code == 0) {
    snprintf(error, size, "%s", what);
  } else {
    snprintf(error, size, "%s: %s (%d)", what, wc_GetErrorString(code), code);
  }
}

long slug_cert_make_key(uint8_t *pem, size_t pem_size, char *error, size_t error_size) {
  WC_RNG rng;
  ecc_key key;
  byte der[256];
  long result = -1;
  int code = wc_InitRng(&rng);
  if (code != 0) {
    say(error, error_size, "cannot start the random generator", code);
    return -1;
  }
  code = wc_ecc_init(&key);
  if (code == 0) {
    code = wc_ecc_make_key_ex(&rng, 32, &key, ECC_SECP256R1);
    if (code != 0) {
      say(error, error_size, "cannot make a P-256 key", code);
    } else {
      int length = wc_EccKeyToDer(&key, der, sizeof der);
      int written = length > 0 ? wc_DerToPem(der, (word32)length, pem, (word32)pem_size, ECC_PRIVATEKEY_TYPE) : length;
      if (written > 0) {
        result = written;
      } else {
        say(error, error_size, "cannot encode the key", written);
      }
    }
    wc_ecc_free(&key);
  } else {
    say(error, error_size, "cannot make a P-256 key", code);
  }
  wolfSSL_OPENSSL_cleanse(der, sizeof der);
  wc_FreeRng(&rng);
  return result;
}

/* An EC private key from PEM. 0 on success. */
static int read_ecc_key(const uint8_t *pem, size_t length, ecc_key *key, char *error, size_t error_size, const char *what) {
  byte der[512];
  word32 index = 0;
  int size = wc_KeyPemToDer(pem, (int)length, der, sizeof der, NULL);
  if (size <= 0) {
    char message[96];
    snprintf(message, sizeof message, "%s is not a PEM private key", what);
    say(error, error_size, message, size);
    return -1;
  }
  int code = wc_ecc_init(key);
  if (code == 0) code = wc_EccPrivateKeyDecode(der, &index, key, (word32)size);
  wolfSSL_OPENSSL_cleanse(der, sizeof der);
  if (code != 0) {
    char message[96];
    snprintf(message, sizeof message, "%s is not an EC private key", what);
    say(error, error_size, message, code);
    wc_ecc_free(key);
    return -1;
  }
  return 0;
}

static int set_usage(Cert *cert, const slug_cert_request *request) {
  cert->isCA = request->is_ca ? 1 : 0;
  if (request->is_ca) return wc_SetKeyUsage(cert, "keyCertSign,cRLSign");
  int code = wc_SetKeyUsage(cert, "digitalSignature");
  return code == 0 ? wc_SetExtKeyUsage(cert, "serverAuth") : code;
}

long slug_cert_issue(
  const slug_cert_request *request, const uint8_t *subject_key_pem, size_t subject_key_length,
  const uint8_t *issuer_key_pem, size_t issuer_key_length, const uint8_t *issuer_pem, size_t issuer_length,
  uint8_t *pem, size_t pem_size, char *error, size_t error_size) {
  if (request->alt_names_length > CTC_MAX_ALT_SIZE || request->serial_length == 0 ||
      request->serial_length > CTC_SERIAL_SIZE || strlen(request->common_name) >= CTC_NAME_SIZE) {
    say(error, error_size, "too many names, or a name or serial too long for a certificate", 0);
    return -1;
  }
  Cert *cert = malloc(sizeof *cert);
  byte *der = malloc(SLUG_CERT_PEM_MAX);
  byte *issuer_der = malloc(SLUG_CERT_PEM_MAX);
  ecc_key subject_key, issuer_key;
  int have_subject = 0, have_issuer = 0, have_rng = 0;
  WC_RNG rng;
  long result = -1;
  int code = 0;
  if (cert == NULL || der == NULL || issuer_der == NULL) {
    say(error, error_size, "out of memory", 0);
    goto done;
  }
  if (read_ecc_key(subject_key_pem, subject_key_length, &subject_key, error, error_size, "the new key") != 0) goto done;
  have_subject = 1;
  if (read_ecc_key(issuer_key_pem, issuer_key_length, &issuer_key, error, error_size, "the CA key") != 0) goto done;
  have_issuer = 1;
  if ((code = wc_InitRng(&rng)) != 0) {
    say(error, error_size, "cannot start the random generator", code);
    goto done;
  }
  have_rng = 1;
  if ((code = wc_InitCert(cert)) != 0) {
    say(error, error_size, "cannot start a certificate", code);
    goto done;
  }
  cert->version = 2; /* X.509 v3 */
  cert->sigType = CTC_SHA256wECDSA;
  cert->daysValid = request->days_valid;
  memcpy(cert->serial, request->serial, request->serial_length);
  cert->serialSz = (int)request->serial_length;
  strncpy(cert->subject.commonName, request->common_name, CTC_NAME_SIZE - 1);
  if (request->organization != NULL) strncpy(cert->subject.org, request->organization, CTC_NAME_SIZE - 1);
  if (request->alt_names_length > 0) {
    memcpy(cert->altNames, request->alt_names, request->alt_names_length);
    cert->altNamesSz = (int)request->alt_names_length;
  }
  if ((code = set_usage(cert, request)) != 0) {
    say(error, error_size, "cannot set the key usage", code);
    goto done;
  }
  if ((code = wc_SetSubjectKeyIdFromPublicKey_ex(cert, ECC_TYPE, &subject_key)) != 0) {
    say(error, error_size, "cannot set the subject key identifier", code);
    goto done;
  }
  if (issuer_pem == NULL) {
    cert->selfSigned = 1;
  } else {
    int size = wc_CertPemToDer(issuer_pem, (int)issuer_length, issuer_der, SLUG_CERT_PEM_MAX, CERT_TYPE);
    if (size <= 0) {
      say(error, error_size, "the CA certificate is not a PEM certificate", size);
      goto done;
    }
    cert->selfSigned = 0;
    if ((code = wc_SetIssuerBuffer(cert, issuer_der, size)) != 0 ||
        (code = wc_SetAuthKeyIdFromCert(cert, issuer_der, size)) != 0) {
      say(error, error_size, "cannot take the issuer from the CA certificate", code);
      goto done;
    }
  }
  code = wc_MakeCert_ex(cert, der, SLUG_CERT_PEM_MAX, ECC_TYPE, &subject_key, &rng);
  if (code < 0) {
    say(error, error_size, "cannot make the certificate", code);
    goto done;
  }
  code = wc_SignCert_ex(cert->bodySz, cert->sigType, der, SLUG_CERT_PEM_MAX, ECC_TYPE, &issuer_key, &rng);
  if (code < 0) {
    say(error, error_size, "cannot sign the certificate", code);
    goto done;
  }
  code = wc_DerToPem(der, (word32)code, pem, (word32)pem_size, CERT_TYPE);
  if (code <= 0) {
    say(error, error_size, "cannot encode the certificate", code);
    goto done;
  }
  result = code;
done:
  if (have_rng) wc_FreeRng(&rng);
  if (have_subject) wc_ecc_free(&subject_key);
  if (have_issuer) wc_ecc_free(&issuer_key);
  free(cert);
  free(der);
  free(issuer_der);
  return result;
}

/* The SubjectPublicKeyInfo of a PEM private key (EC or RSA, SEC 1, PKCS#1 or PKCS#8): its length,
 * or -1. */
static int public_key_info(const uint8_t *pem, size_t length, byte *out, word32 size) {
  byte *der = malloc(8192);
  int result = -1;
  if (der == NULL) return -1;
  int der_length = wc_KeyPemToDer(pem, (int)length, der, 8192, NULL);
  if (der_length > 0) {
    word32 start = 0;
    if (wc_GetPkcs8TraditionalOffset(der, &start, (word32)der_length) < 0) start = 0;
    ecc_key ecc;
    RsaKey rsa;
    word32 index = start;
    if (wc_ecc_init(&ecc) == 0) {
      if (wc_EccPrivateKeyDecode(der, &index, &ecc, (word32)der_length) == 0) {
        if (ecc.type == ECC_PRIVATEKEY_ONLY) wc_ecc_make_pub(&ecc, NULL);
        result = wc_EccPublicKeyToDer(&ecc, out, size, 1);
      }
      wc_ecc_free(&ecc);
    }
    index = start;
    if (result < 0 && wc_InitRsaKey(&rsa, NULL) == 0) {
      if (wc_RsaPrivateKeyDecode(der, &index, &rsa, (word32)der_length) == 0) result = wc_RsaKeyToPublicDer(&rsa, out, size);
      wc_FreeRsaKey(&rsa);
    }
    wolfSSL_OPENSSL_cleanse(der, 8192);
  }
  free(der);
  return result;
}

int slug_cert_key_matches(
  const uint8_t *certificate_pem, size_t certificate_length, const uint8_t *key_pem, size_t key_length) {
  /* wolfSSL_CTX_check_private_key (5.5) passes any EC key: the public keys are compared instead. */
  byte from_key[1024], from_certificate[1024];
  int key_info = public_key_info(key_pem, key_length, from_key, sizeof from_key);
  if (key_info <= 0) return SLUG_CERT_KEY_UNREADABLE;
  WOLFSSL_X509 *certificate = wolfSSL_X509_load_certificate_buffer(certificate_pem, (int)certificate_length, WOLFSSL_FILETYPE_PEM);
  if (certificate == NULL) return SLUG_CERT_UNREADABLE;
  int info_length = sizeof from_certificate;
  int read = wolfSSL_X509_get_pubkey_buffer(certificate, from_certificate, &info_length);
  wolfSSL_X509_free(certificate);
  if (read != WOLFSSL_SUCCESS) return SLUG_CERT_UNREADABLE;
  return info_length == key_info && memcmp(from_key, from_certificate, (size_t)key_info) == 0 ? SLUG_CERT_KEY_MATCHES
                                                                                           : SLUG_CERT_KEY_DIFFERS;
}
