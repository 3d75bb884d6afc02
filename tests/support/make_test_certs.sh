#!/bin/sh
# SPDX-License-Identifier: MIT
# Generates throw-away TLS material for loopback tests into DIR (which must exist):
#   ca.crt ca.key               a self-signed test CA
#   server.crt server.key       signed by the CA, SAN DNS:localhost, IP:127.0.0.1, IP:::1
#   wrong.crt wrong.key         signed by the CA, SAN DNS:wrong.example only (host name mismatch)
#   client.crt client.key       signed by the CA, clientAuth, CN sngw-test-client
# EC P-256 keys keep it fast (well under a second). Never use these anywhere but tests.
set -eu
dir=${1:?usage: make_test_certs.sh DIR}
days=2
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key ca.key
openssl req -x509 -new -key ca.key -sha256 -days "$days" -subj "/CN=sngw test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt 2>/dev/null

# sign NAME CN EXTENSIONS
sign() {
    key "$1.key"
    openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "$3" \
        > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days "$days" \
        -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

sign server localhost "$(printf '%s\n' 'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1')"
sign wrong wrong.example "$(printf '%s\n' 'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:wrong.example')"
sign client sngw-test-client "extendedKeyUsage=clientAuth"
rm -f ca.srl
