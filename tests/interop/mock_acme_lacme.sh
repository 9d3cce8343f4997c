#!/usr/bin/env bash
# Debian's lacme (Perl, LWP) against mock-acme: a client built for privilege
# separation. The account key stays with lacme-accountd, which signs each
# request for the client over a socket (a pair when lacme spawns it, a
# UNIX-domain socket when it runs on its own), and lacme's own small web
# server answers http-01. Registration with a contact, a certificate for two
# names by real validation, the renewal check that leaves a valid one alone
# and --force that does not, an RSA certificate key beside the EC one, a
# contact update, an order signed by a lacme-accountd running apart, and
# revocation. Every chain verifies against mock-acme's root.
#
# lacme trusts nothing but the system store (/etc/ssl/certs), so each lacme
# runs in a mount namespace of its own (unshare) where that directory holds
# mock-acme's HTTPS CA alone; nothing outside the test changes.
MOCK_ACME=$1
source "$(dirname "$0")/lib.sh"
command -v lacme >/dev/null || fail "lacme is not installed (scripts/install-deps.sh --test installs it)"
command -v lacme-accountd >/dev/null || fail "lacme-accountd is not installed (it comes with lacme)"

if ! private_mounts; then
  echo "SKIPPED: no mount namespace to give lacme a CA store of its own (unshare -rm, or unshare -m as root)"
  exit 77
fi

HTTP_PORT=$(free_port)
start_mock_acme --http01-port "$HTTP_PORT"
http_get "$MGMT/roots/0" > "$work/root0.pem"
mkdir -p "$work/certs" "$work/sock"
chmod 700 "$work" "$work/sock"  # lacme refuses a socket whose directory others may write to
cp "$HTTPS_CA" "$work/certs/ca-certificates.crt"
cp "$HTTPS_CA" "$work/certs/mock-acme.pem"
openssl rehash "$work/certs" 2>/dev/null || fail "openssl rehash"

install -m 600 /dev/null "$work/account.key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/account.key" 2>/dev/null
install -m 600 /dev/null "$work/ec.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$work/ec.key" 2>/dev/null
install -m 600 /dev/null "$work/rsa.key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/rsa.key" 2>/dev/null

# as root, with no privileges to drop; the web server on mock-acme's http-01 port
cat > "$work/lacme.conf" <<EOF
config-certs = $work/certs.conf
[client]
server = $DIR
user =
group =
[webserver]
listen = 127.0.0.1:$HTTP_PORT
user =
group =
[accountd]
config = $work/accountd.conf
EOF
printf 'privkey = file:%s\n' "$work/account.key" > "$work/accountd.conf"
cat > "$work/certs.conf" <<EOF
[ec]
certificate-key = $work/ec.key
certificate-chain = $work/ec.pem
subject = /CN=lacme.example.test
subjectAltName = DNS:lacme.example.test,DNS:www.lacme.example.test
CAfile = $work/root0.pem
[rsa]
certificate-key = $work/rsa.key
certificate-chain = $work/rsa.pem
subject = /CN=lacme.example.test
subjectAltName = DNS:lacme.example.test
CAfile = $work/root0.pem
EOF

lacme_run() {  # ARGS...: lacme with mock-acme's HTTPS CA as the system store; output in $work/lacme.out
  with_ca_store "$work/certs" lacme --config="$work/lacme.conf" "$@" > "$work/lacme.out" 2>&1
}
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

echo "== register, agreeing to the terms, with a contact"
lacme_run account --tos-agreed --register mailto:ops@example.com || fail "register: $(cat "$work/lacme.out")"
account_url=$(sed -n 's/^Key ID: //p' "$work/lacme.out")
[ -n "$account_url" ] || fail "no account URL: $(cat "$work/lacme.out")"
grep -q '"contact":\["mailto:ops@example.com"\]' "$work/lacme.out" || fail "contact: $(cat "$work/lacme.out")"
grep -q '"termsOfServiceAgreed":true' "$work/lacme.out" || fail "terms: $(cat "$work/lacme.out")"

echo "== newOrder: an EC and an RSA certificate, by http-01 through lacme's own web server"
lacme_run newOrder || fail "newOrder: $(cat "$work/lacme.out")"
for kind in ec rsa; do
  [ -s "$work/$kind.pem" ] || fail "no $kind certificate: $(cat "$work/lacme.out")"
  verify_chain "$work/$kind.pem" "$work/$kind.pem" "$work/root0.pem"
done
openssl x509 -in "$work/ec.pem" -noout -ext subjectAltName | grep -q "DNS:lacme.example.test, DNS:www.lacme.example.test" \
  || fail "EC SANs: $(openssl x509 -in "$work/ec.pem" -noout -ext subjectAltName)"
openssl x509 -in "$work/rsa.pem" -noout -text | grep -q "Public Key Algorithm: rsaEncryption" || fail "not an RSA certificate"
ec_serial=$(serial_of "$work/ec.pem")

echo "== newOrder again: a valid certificate is left alone; --force orders anew"
lacme_run newOrder ec || fail "second newOrder: $(cat "$work/lacme.out")"
grep -q '^\[ec\] Valid until .*, skipping' "$work/lacme.out" || fail "not skipped: $(cat "$work/lacme.out")"
[ "$(serial_of "$work/ec.pem")" = "$ec_serial" ] || fail "a valid certificate was replaced"
lacme_run newOrder --force ec || fail "forced newOrder: $(cat "$work/lacme.out")"
[ "$(serial_of "$work/ec.pem")" != "$ec_serial" ] || fail "--force did not order anew"
verify_chain "$work/ec.pem" "$work/ec.pem" "$work/root0.pem"

echo "== contact update"
lacme_run account mailto:new@example.com || fail "update: $(cat "$work/lacme.out")"
grep -q '"contact":\["mailto:new@example.com"\]' "$work/lacme.out" || fail "contact not updated: $(cat "$work/lacme.out")"
grep -q "^Key ID: $account_url\$" "$work/lacme.out" || fail "another account: $(cat "$work/lacme.out")"

echo "== lacme-accountd running apart, signing over its UNIX-domain socket"
lacme-accountd --config="$work/accountd.conf" --socket="$work/sock/S.lacme" > "$work/accountd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$work/sock/S.lacme" ] && break; sleep 0.1; done
[ -S "$work/sock/S.lacme" ] || fail "lacme-accountd did not start: $(cat "$work/accountd.log")"
rsa_serial=$(serial_of "$work/rsa.pem")
lacme_run --socket="$work/sock/S.lacme" newOrder --force rsa || fail "newOrder through the socket: $(cat "$work/lacme.out")"
[ "$(serial_of "$work/rsa.pem")" != "$rsa_serial" ] || fail "no new RSA certificate"
verify_chain "$work/rsa.pem" "$work/rsa.pem" "$work/root0.pem"
grep -q "SIGNED header=.*\"kid\":\"$account_url\"" "$work/accountd.log" || fail "lacme-accountd signed nothing: $(cat "$work/accountd.log")"

echo "== revokeCert, by the account"
serial=$(serial_of "$work/ec.pem")
lacme_run revokeCert "$work/ec.pem" || fail "revokeCert: $(cat "$work/lacme.out")"
http_get "$MGMT/cert-status-by-serial/$serial" | grep -q '"Status":"Revoked"' || fail "not revoked at the CA: $(http_get "$MGMT/cert-status-by-serial/$serial")"
lacme_run revokeCert "$work/ec.pem" && fail "a second revocation succeeded: $(cat "$work/lacme.out")"
grep -q "^400 Bad Request (the certificate is already revoked)" "$work/lacme.out" || fail "second revocation: $(cat "$work/lacme.out")"
echo "PASS"
