#!/usr/bin/env bash
# Generates the certificates the tests use, in test/fixtures/certs (git-ignored: no key is committed).
# Re-made when missing or older than a day, so nothing the tests rely on ever expires.
#
#   ca.pem/ca.key                root CA            int.pem/int.key     intermediate CA (signed by root)
#   server-rsa.*  server-ecdsa.* server.test, localhost, 127.0.0.1, ::1 (signed by root)
#   server-int.*  + server-int-chain.pem (leaf + intermediate), for verify_depth
#   sni-a.*  sni-b.*  sub-a.*    a.example.test, b.example.test, x.a.example.test (SNI selection)
#   client.*                     client.test, URI sip:client.test (signed by root)
#   client-selfsigned.*  client-expired.*  client-revoked.*  client-int.* (+ client-int-chain.pem)
#   crl.pem                      root CRL revoking client-revoked; crl-all.pem root + intermediate CRLs
#   server-enc.key               server-rsa key encrypted with the password "secret"
#   combined.pem                 server-rsa certificate and key in one file
#   capath/                      ca.pem and int.pem under their subject hashes (openssl rehash)
set -euo pipefail
out=${1:-"$(dirname "$0")/../test/fixtures/certs"}
mkdir -p "$out"
cd "$out"
if [ -f stamp ] && [ -z "$(find stamp -mmin +1440)" ]; then exit 0; fi
rm -rf ./* 
export OPENSSL_CONF=/dev/null

ca_dir() { # name
  mkdir -p "$1.db/new"; : > "$1.db/index.txt"; echo 1000 > "$1.db/serial"; echo 1000 > "$1.db/crlnumber"
  cat > "$1.cnf" <<CNF
[ca]
default_ca = this
[this]
dir = $PWD/$1.db
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $PWD/$1.pem
private_key = $PWD/$1.key
default_md = sha256
default_days = 30
default_crl_days = 30
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
[v3_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_leaf]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
}

key() { # file type
  case "$2" in
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null ;;
    ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
  esac
}

sign() { # ca name subject san type [extra openssl-ca args...]
  local ca=$1 name=$2 subj=$3 san=$4 type=$5; shift 5
  key "$name.key" "$type"
  openssl req -new -key "$name.key" -subj "$subj" -addext "subjectAltName=$san" -out "$name.csr"
  openssl ca -batch -config "$ca.cnf" -extensions v3_leaf -in "$name.csr" -out "$name.pem" -notext "$@" 2>/dev/null
  rm -f "$name.csr"
}

key ca.key rsa
openssl req -x509 -new -key ca.key -subj "/C=DE/O=sip-tls tests/CN=sip-tls Test Root CA" -days 60 \
  -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
ca_dir ca

key int.key rsa
openssl req -new -key int.key -subj "/C=DE/O=sip-tls tests/CN=sip-tls Test Intermediate CA" -out int.csr
openssl ca -batch -config ca.cnf -extensions v3_ca -in int.csr -out int.pem -notext 2>/dev/null
rm -f int.csr
ca_dir int

srv_san="DNS:server.test,DNS:localhost,IP:127.0.0.1,IP:::1"
sign ca server-rsa "/C=DE/ST=Berlin/L=Berlin/O=sip-tls tests/OU=edge/CN=server.test" "$srv_san" rsa
sign ca server-ecdsa "/C=DE/O=sip-tls tests/CN=server.test" "$srv_san" ec
sign int server-int "/C=DE/O=sip-tls tests/CN=server.test" "$srv_san" ec
cat server-int.pem int.pem > server-int-chain.pem
sign ca sni-a "/O=sip-tls tests/CN=a.example.test" "DNS:a.example.test" ec
sign ca sni-b "/O=sip-tls tests/CN=b.example.test" "DNS:b.example.test" ec
sign ca sub-a "/O=sip-tls tests/CN=x.a.example.test" "DNS:x.a.example.test" ec

sign ca client "/C=DE/O=sip-tls tests/CN=client.test" "URI:sip:client.test,DNS:client.test,email:ops@client.test" ec
sign ca client-expired "/O=sip-tls tests/CN=expired.client.test" "DNS:expired.client.test" ec \
  -startdate 20200101000000Z -enddate 20200201000000Z
sign ca client-revoked "/O=sip-tls tests/CN=revoked.client.test" "DNS:revoked.client.test" ec
sign int client-int "/O=sip-tls tests/CN=int.client.test" "DNS:int.client.test" ec
cat client-int.pem int.pem > client-int-chain.pem
key client-selfsigned.key ec
openssl req -x509 -new -key client-selfsigned.key -subj "/O=nobody/CN=selfsigned.client.test" -days 30 \
  -out client-selfsigned.pem

openssl ca -batch -config ca.cnf -revoke client-revoked.pem 2>/dev/null
openssl ca -batch -config ca.cnf -gencrl -out crl.pem 2>/dev/null
openssl ca -batch -config int.cnf -gencrl -out int-crl.pem 2>/dev/null
cat crl.pem int-crl.pem > crl-all.pem

openssl pkey -in server-rsa.key -aes-256-cbc -passout pass:secret -out server-enc.key
cat server-rsa.pem server-rsa.key > combined.pem

mkdir -p capath
cp ca.pem int.pem capath/
openssl rehash capath 2>/dev/null || c_rehash capath >/dev/null

rm -rf ./*.db ./*.cnf
touch stamp
