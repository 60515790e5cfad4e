#!/bin/bash
# bench/tls-libraries/certificates.sh DIR: what the TLS benchmarks serve, written into DIR in
# the TLS directory's layout (docs/design.md, "TLS"): an ECDSA P-256 CA (ca.pem, ca.key), a
# server certificate for localhost and 127.0.0.1 signed by it (server.pem: leaf then CA, the
# chain sent; server.key), and tickets.key (64 random bytes: slug-tls takes 32 to 64).
set -euo pipefail
cd "$1"
{
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -days 30 -subj /CN=bench-ca
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
    -subj /CN=localhost
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile server.ext \
    -out leaf.pem
} 2>certificates.log || { cat certificates.log >&2; exit 70; }
cat leaf.pem ca.pem >server.pem
head -c 64 /dev/urandom >tickets.key
