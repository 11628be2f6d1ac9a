#!/bin/sh
# Makes the test PKI of tests/support/tls (see README.md there): two CAs, a
# server certificate for 127.0.0.1/localhost and client certificates, valid
# for 100 years. Run from anywhere; it rewrites the files beside it.
set -eu
cd "$(dirname "$0")"
days=36500
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A CA: EC P-256, self-signed.
ca() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/$1.key"
  openssl req -x509 -new -key "$work/$1.key" -subj "$2" -days $days -sha256 \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign \
    -out "$1.crt"
}

# A leaf signed by CA $2 with key file $1.key (made beforehand), subject $3,
# extensions $4 (one per line).
leaf() {
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "$4" > "$work/$1.ext"
  openssl req -new -key "$1.key" -subj "$3" -out "$work/$1.csr"
  openssl x509 -req -in "$work/$1.csr" -CA "$2.crt" -CAkey "$work/$2.key" \
    -CAcreateserial -CAserial "$work/$2.srl" -days $days -sha256 \
    -extfile "$work/$1.ext" -out "$1.crt"
}

ca ca "/CN=driftctl-test-ca"
ca other-ca "/CN=another-cluster-ca"

# The API server: PKCS#8 EC key; names the client dials (webpki reads SANs only).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key
leaf server ca "/CN=kube-apiserver" "keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"

client_ext="keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

# kubeadm's kind of client key: RSA in PKCS#1 ("BEGIN RSA PRIVATE KEY").
openssl genrsa -traditional -out client-rsa.key 2048
leaf client-rsa ca "/O=driftctl:auditors/CN=driftctl-rsa" "$client_ext"

# k3s's kind of client key: EC in SEC1 ("BEGIN EC PRIVATE KEY").
openssl ecparam -name prime256v1 -genkey -noout -out client-ec.key
leaf client-ec ca "/O=driftctl:auditors/CN=driftctl-ec" "$client_ext"

# A client certificate of another cluster: the test server does not trust it.
openssl ecparam -name prime256v1 -genkey -noout -out other-client.key
leaf other-client other-ca "/O=driftctl:auditors/CN=driftctl-elsewhere" "$client_ext"
