#!/usr/bin/env bash
# Two more of Debian's ACME clients against mock-acme, each with its own
# habits: dehydrated (a shell script on curl and openssl; http-01 from a
# directory a web server serves, P-384 keys, revocation, deactivation) and
# acme-tiny (python, RSA account key, a CSR made with openssl). Every chain
# verifies against mock-acme's /roots/0.
MOCK_ACME=$1
source "$(dirname "$0")/lib.sh"
command -v dehydrated >/dev/null || fail "dehydrated is not installed (scripts/install-deps.sh --test installs it)"
command -v acme-tiny >/dev/null || fail "acme-tiny is not installed (scripts/install-deps.sh --test installs it)"

HTTP_PORT=$(free_port)
start_mock_acme --http01-port "$HTTP_PORT"
http_get "$MGMT/roots/0" > "$work/root0.pem"
# both clients leave http-01 files in a directory; a web server serves it on the validation port
www="$work/www"
mkdir -p "$www/.well-known/acme-challenge"
(cd "$www" && exec python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 > "$work/www.log" 2>&1) &
pids+=($!)
for _ in $(seq 1 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $HTTP_PORT), 1)" 2>/dev/null && break; sleep 0.1; done

echo "== dehydrated: register, P-384 certificate by http-01"
cat > "$work/dehydrated.conf" <<CONF
CA="$DIR"
BASEDIR="$work/dehydrated"
WELLKNOWN="$www/.well-known/acme-challenge"
CHALLENGETYPE="http-01"
KEY_ALGO="secp384r1"
CONTACT_EMAIL="dehydrated@example.com"
CURL_OPTS="--cacert $HTTPS_CA"
CONF
mkdir -p "$work/dehydrated"
dh() { dehydrated -f "$work/dehydrated.conf" "$@"; }
dh --register --accept-terms > "$work/dehydrated-register.log" 2>&1 || fail "dehydrated --register failed"
dh -c -d dh.example.test > "$work/dehydrated.log" 2>&1 || fail "dehydrated failed"
certdir="$work/dehydrated/certs/dh.example.test"
verify_chain "$certdir/cert.pem" "$certdir/chain.pem" "$work/root0.pem"
openssl x509 -in "$certdir/cert.pem" -noout -text | grep -q "NIST CURVE: P-384" || fail "not a P-384 certificate"

echo "== dehydrated: forced renewal, then revocation"
first=$(openssl x509 -in "$certdir/cert.pem" -noout -serial | cut -d= -f2)
dh -c -d dh.example.test --force > "$work/dehydrated-renew.log" 2>&1 || fail "dehydrated --force failed"
second=$(openssl x509 -in "$certdir/cert.pem" -noout -serial | cut -d= -f2)
[ "$first" != "$second" ] || fail "dehydrated's renewal kept the serial"
dh --revoke "$certdir/cert.pem" > "$work/dehydrated-revoke.log" 2>&1 || fail "dehydrated --revoke failed"
http_get "$MGMT/cert-status-by-serial/$second" | grep -q '"Status":"Revoked"' || fail "dehydrated's revocation not kept"
http_get "$MGMT/cert-status-by-serial/$first" | grep -q '"Status":"Valid"' || fail "the first certificate was revoked too"

echo "== dehydrated: deactivate the account"
dh --deactivate > "$work/dehydrated-deactivate.log" 2>&1 || fail "dehydrated --deactivate failed"
# dehydrated then refuses the account itself; without its local mark the server must
rm -f "$work"/dehydrated/accounts/*/deactivated
if dh -c -d after.example.test > "$work/dehydrated-after.log" 2>&1; then fail "a deactivated account got a certificate"; fi
grep -q "unauthorized" "$work/dehydrated-after.log" || fail "deactivated account not refused: $(cat "$work/dehydrated-after.log")"

echo "== acme-tiny: RSA account key, a CSR from openssl"
openssl genrsa -out "$work/tiny-account.key" 2048 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/tiny.key" -subj "/CN=tiny.example.test" \
  -addext "subjectAltName=DNS:tiny.example.test,DNS:www.tiny.example.test" -out "$work/tiny.csr" 2>/dev/null
SSL_CERT_FILE="$HTTPS_CA" acme-tiny --account-key "$work/tiny-account.key" --csr "$work/tiny.csr" \
  --acme-dir "$www/.well-known/acme-challenge" --directory-url "$DIR" --disable-check --contact mailto:tiny@example.com \
  > "$work/tiny-chain.pem" 2> "$work/acme-tiny.log" || fail "acme-tiny failed"
openssl x509 -in "$work/tiny-chain.pem" -out "$work/tiny.pem"
awk 'n>0{print} /END CERTIFICATE/{n++}' "$work/tiny-chain.pem" > "$work/tiny-issuers.pem"
verify_chain "$work/tiny.pem" "$work/tiny-issuers.pem" "$work/root0.pem"
openssl x509 -in "$work/tiny.pem" -noout -ext subjectAltName | grep -q "DNS:www.tiny.example.test" \
  || fail "acme-tiny's certificate lacks a name"

echo "PASS"
