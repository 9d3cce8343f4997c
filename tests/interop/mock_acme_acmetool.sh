#!/usr/bin/env bash
# Debian's acmetool (Go, its own ACME v2 library) against mock-acme: a client
# of a third lineage, driven as its users drive it, by a state directory,
# targets and a response file. http-01 through its built-in listener, ECDSA and
# RSA keys, a target of two names, and renewal by its own rule once mock-acme's
# clock is set back (/time-travel); every chain verifies against mock-acme's root.
#
# acmetool listens for http-01 on ports 80, 402 and 4402 of every address
# besides those it is given, and writes challenge files under /var/run/acme.
# So the whole test runs in namespaces of its own (unshare: network, with only
# its own loopback; mount, with a private /run): nothing outside changes, and
# nothing listens beyond that loopback.
MOCK_ACME=$1
source "$(dirname "$0")/namespaces.sh"
own_namespaces "mount net" acmetool "$@"
mount -t tmpfs -o mode=0755 tmpfs /run
source "$(dirname "$0")/lib.sh"
command -v acmetool > /dev/null || fail "acmetool is not installed (scripts/install-deps.sh --test installs it)"

HTTP_PORT=$(free_port)
start_mock_acme --http01-port "$HTTP_PORT"
http_get "$MGMT/roots/0" > "$work/root0.pem"
TOS=$(python3 -c 'import json,ssl,sys,urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2])
print(json.load(urllib.request.urlopen(sys.argv[1], context=ctx, timeout=30))["meta"]["termsOfService"])' "$DIR" "$HTTPS_CA")
[ -n "$TOS" ] || fail "no termsOfService in mock-acme's directory"

# at_state NAME KEYTYPE: a state directory whose default target asks mock-acme,
# answers http-01 on HTTP_PORT and skips acmetool's self-test (no DNS here)
at_state() {
  local state="$work/$1"
  mkdir -p "$state/conf"
  cat > "$state/conf/target" <<EOF
request:
  provider: $DIR
  key:
    type: $2
  challenge:
    http-ports:
      - "127.0.0.1:$HTTP_PORT"
    http-self-test: false
EOF
  printf '"acme-enter-email": "test@example.com"\n"acme-agreement:%s": true\n' "$TOS" > "$state/responses"
  echo "$state"
}
acmetool_in() {  # STATE ARGS...: acmetool with mock-acme's HTTPS CA as its only trust (Go reads SSL_CERT_FILE)
  local state=$1
  shift
  SSL_CERT_FILE="$HTTPS_CA" timeout 120 acmetool --state "$state" --batch --response-file "$state/responses" \
    --xlog.severity=debug "$@"
}
# the live certificate of NAME in STATE: its directory
live() { readlink -f "$1/live/$2"; }

echo "== ECDSA: one name, then a target of two names"
ec=$(at_state ec ecdsa)
acmetool_in "$ec" want one.example.test > "$work/ec.log" 2>&1 || fail "acmetool want failed: $(tail -5 "$work/ec.log")"
[ -f "$(live "$ec" one.example.test)/cert" ] || fail "no live certificate for one.example.test"
verify_chain "$(live "$ec" one.example.test)/cert" "$(live "$ec" one.example.test)/chain" "$work/root0.pem"
openssl x509 -in "$(live "$ec" one.example.test)/cert" -noout -text | grep -q "id-ecPublicKey" || fail "not an ECDSA certificate"
acmetool_in "$ec" want two.example.test www.two.example.test > "$work/ec2.log" 2>&1 \
  || fail "acmetool want (two names) failed: $(tail -5 "$work/ec2.log")"
sans=$(openssl x509 -in "$(live "$ec" two.example.test)/cert" -noout -ext subjectAltName)
echo "$sans" | grep -q "DNS:two.example.test" && echo "$sans" | grep -q "DNS:www.two.example.test" || fail "SANs: $sans"
[ "$(live "$ec" two.example.test)" = "$(live "$ec" www.two.example.test)" ] || fail "two names, two certificates"
verify_chain "$(live "$ec" two.example.test)/cert" "$(live "$ec" two.example.test)/chain" "$work/root0.pem"

echo "== RSA 2048, in a state of its own (a second account)"
rsa=$(at_state rsa rsa)
acmetool_in "$rsa" want rsa.example.test > "$work/rsa.log" 2>&1 || fail "acmetool want (RSA) failed: $(tail -5 "$work/rsa.log")"
openssl x509 -in "$(live "$rsa" rsa.example.test)/cert" -noout -text | grep -q "Public-Key: (2048 bit)" || fail "not RSA 2048"
verify_chain "$(live "$rsa" rsa.example.test)/cert" "$(live "$rsa" rsa.example.test)/chain" "$work/root0.pem"
[ "$(ls "$ec/accounts"/*/ | wc -l)" -ge 1 ] && [ "$(ls "$rsa/accounts"/*/ | wc -l)" -ge 1 ] || fail "no account kept"

echo "== reconcile: nothing due, nothing asked; with mock-acme's clock 89 days back, renewal"
first=$(live "$ec" one.example.test)
acmetool_in "$ec" reconcile > "$work/reconcile.log" 2>&1 || fail "acmetool reconcile failed: $(tail -5 "$work/reconcile.log")"
[ "$(live "$ec" one.example.test)" = "$first" ] || fail "reconcile replaced a certificate that was not due"
days_left() { python3 -c 'import datetime,subprocess,sys
end = subprocess.run(["openssl", "x509", "-in", sys.argv[1], "-noout", "-enddate"], capture_output=True, text=True).stdout
end = datetime.datetime.strptime(end.strip().split("=", 1)[1], "%b %d %H:%M:%S %Y %Z")
print((end - datetime.datetime.utcnow()).days)' "$1"; }
http_post "$MGMT/time-travel" '{"advanceSeconds": -7689600}'
acmetool_in "$ec" want soon.example.test > "$work/soon.log" 2>&1 || fail "acmetool want (clock back) failed: $(tail -5 "$work/soon.log")"
soon=$(live "$ec" soon.example.test)
[ "$(days_left "$soon/cert")" -le 1 ] || fail "a certificate made 89 days back has $(days_left "$soon/cert") days left"
acmetool_in "$ec" reconcile > "$work/renew.log" 2>&1 || fail "acmetool reconcile (renewal) failed: $(tail -5 "$work/renew.log")"
[ "$(live "$ec" soon.example.test)" != "$soon" ] || fail "acmetool did not renew a certificate with a day left"
http_post "$MGMT/time-travel" '{"advanceSeconds": 7689600}'
acmetool_in "$ec" reconcile > "$work/renew2.log" 2>&1 || fail "acmetool reconcile (clock back) failed: $(tail -5 "$work/renew2.log")"
renewed=$(live "$ec" soon.example.test)
[ "$(days_left "$renewed/cert")" -ge 88 ] || fail "the renewal has $(days_left "$renewed/cert") days left"
verify_chain "$renewed/cert" "$renewed/chain" "$work/root0.pem"
acmetool_in "$ec" reconcile > "$work/renew3.log" 2>&1 || fail "acmetool reconcile failed: $(tail -5 "$work/renew3.log")"
[ "$(live "$ec" soon.example.test)" = "$renewed" ] || fail "renewed again a certificate with 90 days left"
# acmetool 0.2 does not send revocations: its "revoke" marks a certificate, and the
# reconcile step that would revoke it is commented out in its source

echo "PASS"
