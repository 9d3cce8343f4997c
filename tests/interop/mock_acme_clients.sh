#!/usr/bin/env bash
# Debian's certbot and lego get certificates from mock-acme with real
# validation, and every chain verifies against mock-acme's /roots/0.
MOCK_ACME=$1
source "$(dirname "$0")/lib.sh"
command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps.sh --test installs it)"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps.sh --test installs it)"

HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
start_mock_acme --http01-port "$HTTP_PORT" --tls01-port "$TLS_PORT"
http_get "$MGMT/roots/0" > "$work/root0.pem"
http_get "$MGMT/intermediates/0" > "$work/intermediate0.pem"

echo "== certbot, standalone http-01, two names"
REQUESTS_CA_BUNDLE="$work/https-ca.pem" certbot certonly --standalone --non-interactive --agree-tos \
  -m test@example.com --server "$DIR" --http-01-port "$HTTP_PORT" --http-01-address 127.0.0.1 \
  --config-dir "$work/certbot/config" --work-dir "$work/certbot/work" --logs-dir "$work/certbot/logs" \
  -d certbot.example.test -d www.certbot.example.test > "$work/certbot.log" 2>&1 || fail "certbot failed"
live="$work/certbot/config/live/certbot.example.test"
verify_chain "$live/cert.pem" "$live/chain.pem" "$work/root0.pem"
openssl x509 -in "$live/cert.pem" -noout -ext subjectAltName | grep -q "DNS:www.certbot.example.test" \
  || fail "certbot's certificate lacks a name"

echo "== certbot, --preferred-chain picks the alternate chain (Link: rel=\"alternate\")"
http_get "$MGMT/roots/1" > "$work/root1.pem"
root1=$(openssl x509 -in "$work/root1.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p')
[ -n "$root1" ] || fail "no alternate root at /roots/1"
REQUESTS_CA_BUNDLE="$work/https-ca.pem" certbot certonly --standalone --non-interactive --agree-tos \
  -m test@example.com --server "$DIR" --http-01-port "$HTTP_PORT" --http-01-address 127.0.0.1 \
  --config-dir "$work/certbot/config" --work-dir "$work/certbot/work" --logs-dir "$work/certbot/logs" \
  -d alternate.example.test --preferred-chain "$root1" > "$work/certbot-alt.log" 2>&1 || fail "certbot (alternate chain) failed"
alt="$work/certbot/config/live/alternate.example.test"
verify_chain "$alt/cert.pem" "$alt/chain.pem" "$work/root1.pem"
if openssl verify -CAfile "$work/root0.pem" -untrusted "$alt/chain.pem" "$alt/cert.pem" > /dev/null 2>&1; then
  fail "the alternate chain also verifies against root 0: not the alternate"
fi

echo "== lego, http-01"
LEGO_CA_CERTIFICATES="$work/https-ca.pem" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego" --domains lego-http.example.test --http --http.port "127.0.0.1:$HTTP_PORT" run \
  > "$work/lego-http.log" 2>&1 || fail "lego http-01 failed"
certs="$work/lego/certificates"
verify_chain "$certs/lego-http.example.test.crt" "$certs/lego-http.example.test.issuer.crt" "$work/root0.pem"

echo "== lego, an internationalised name: it sends the A-label, mock-acme checks it by IDNA2008 and issues"
LEGO_CA_CERTIFICATES="$work/https-ca.pem" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego" --domains "bücher.example.test" --http --http.port "127.0.0.1:$HTTP_PORT" run \
  > "$work/lego-idn.log" 2>&1 || fail "lego http-01 for a U-label name failed"
verify_chain "$certs/xn--bcher-kva.example.test.crt" "$certs/xn--bcher-kva.example.test.issuer.crt" "$work/root0.pem"
openssl x509 -in "$certs/xn--bcher-kva.example.test.crt" -noout -ext subjectAltName > "$work/lego-idn.san"
grep -q "DNS:xn--bcher-kva.example.test" "$work/lego-idn.san" || fail "SAN is not the A-label: $(cat "$work/lego-idn.san")"
# an A-label that is not one (Punycode of a string not in NFC): refused as Let's Encrypt refuses it,
# in Boulder's words, which lego's error shows
if LEGO_CA_CERTIFICATES="$work/https-ca.pem" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego" --domains xn--109-3veba6djs1bfxlfmx6c9g.example.test --http --http.port "127.0.0.1:$HTTP_PORT" run \
  > "$work/lego-nfc.log" 2>&1; then fail "issued for an A-label IDNA2008 refuses"; fi
grep -q 'rejectedIdentifier :: Error creating new order :: Cannot issue for "xn--109-3veba6djs1bfxlfmx6c9g.example.test": Domain name contains malformed punycode' \
  "$work/lego-nfc.log" || fail "no reason for the refusal: $(tail -3 "$work/lego-nfc.log")"

echo "== lego, tls-alpn-01"
LEGO_CA_CERTIFICATES="$work/https-ca.pem" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego" --domains lego-tls.example.test --tls --tls.port "127.0.0.1:$TLS_PORT" run \
  > "$work/lego-tls.log" 2>&1 || fail "lego tls-alpn-01 failed"
grep -q "TLS-ALPN-01" "$work/lego-tls.log" || fail "lego did not use tls-alpn-01"
verify_chain "$certs/lego-tls.example.test.crt" "$certs/lego-tls.example.test.issuer.crt" "$work/root0.pem"

echo "== lego, revoke"
serial=$(openssl x509 -in "$certs/lego-tls.example.test.crt" -noout -serial | cut -d= -f2)
LEGO_CA_CERTIFICATES="$work/https-ca.pem" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego" --domains lego-tls.example.test revoke > "$work/lego-revoke.log" 2>&1 || fail "lego revoke failed"
http_get "$MGMT/cert-status-by-serial/$serial" | grep -q '"Revoked"' || fail "revoked certificate not marked revoked"

echo "== validation failure: nobody answers http-01"
if LEGO_CA_CERTIFICATES="$work/https-ca.pem" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego" --domains nobody.example.test --http --http.port "127.0.0.1:$(free_port)" run \
  > "$work/lego-fail.log" 2>&1; then fail "issued without validation"; fi
grep -qi "connection\|refused" "$work/lego-fail.log" || fail "unclear failure: $(tail -3 "$work/lego-fail.log")"

echo "== lego and a paused name (--pause-after-failures 1): Let's Encrypt's words and link, a person unpauses, lego goes on"
MOCK_ACME_NAME=pausing start_mock_acme --http01-port "$HTTP_PORT" --pause-after-failures 1
paused_lego() {  # PORT LOG: lego for lego-paused.example.test, answering http-01 on PORT
  LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com \
    --path "$work/lego-paused" --domains lego-paused.example.test --http --http.port "127.0.0.1:$1" run > "$2" 2>&1
}
if paused_lego "$(free_port)" "$work/lego-pause1.log"; then fail "issued while mock-acme's http-01 request went nowhere"; fi
if paused_lego "$HTTP_PORT" "$work/lego-pause2.log"; then fail "issued for a paused name"; fi
grep -q "rateLimited :: Your account is temporarily prevented from requesting certificates for lego-paused.example.test and possibly others. Please visit: https://" \
  "$work/lego-pause2.log" || fail "lego does not show the pause: $(tail -3 "$work/lego-pause2.log")"
link=$(grep -o 'https://[^ ]*/sfe/v1/unpause?jwt=[A-Za-z0-9_-]*' "$work/lego-pause2.log" | head -1)
[ -n "$link" ] || fail "no unpause link in lego's error"
curl -sS --fail --cacert "$HTTPS_CA" -X POST "$link" > "$work/unpaused.html" || fail "the unpause link refused the POST"
grep -q "may request certificates for lego-paused.example.test again" "$work/unpaused.html" || fail "unpause page: $(cat "$work/unpaused.html")"
paused_lego "$HTTP_PORT" "$work/lego-pause3.log" || fail "lego failed once unpaused: $(tail -3 "$work/lego-pause3.log")"

echo "== lego and a rate limit (--rate-limit 1): refused in Let's Encrypt's words, with the time to retry"
MOCK_ACME_NAME=limiting start_mock_acme --http01-port "$HTTP_PORT" --rate-limit 1
limited_lego() {  # NAME LOG
  LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com \
    --path "$work/lego-limited" --domains "$1" --http --http.port "127.0.0.1:$HTTP_PORT" run > "$2" 2>&1
}
limited_lego lego-limit1.example.test "$work/lego-limit1.log" || fail "lego's first order failed: $(tail -3 "$work/lego-limit1.log")"
if limited_lego lego-limit2.example.test "$work/lego-limit2.log"; then fail "a second order within the limit's hour"; fi
grep -Eq "429 :: POST :: .* :: urn:ietf:params:acme:error:rateLimited :: too many new orders \(1\) from this account in the last 1h0m0s, retry after [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC: see https://letsencrypt.org/docs/rate-limits/#new-orders-per-account" \
  "$work/lego-limit2.log" || fail "lego does not show the limit in Let's Encrypt's words: $(tail -3 "$work/lego-limit2.log")"

echo "== lego and a CA that stops answering (--delayed-responses 100, an hour), then answers slowly"
MOCK_ACME_NAME=slow start_mock_acme --http01-port "$HTTP_PORT" --delayed-responses 100 --response-delay-ms 3600000
if LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com --http-timeout 1 \
  --path "$work/lego-slow" --domains lego-slow.example.test --http --http.port "127.0.0.1:$HTTP_PORT" run \
  > "$work/lego-hang.log" 2>&1; then fail "lego got a certificate from a CA that never answers"; fi
grep -q "Timeout exceeded" "$work/lego-hang.log" || fail "lego did not report a timeout: $(tail -3 "$work/lego-hang.log")"
http_post "$MGMT/set-delayed-responses" '{"percent": 30, "ms": 300}'
LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com --http-timeout 10 \
  --path "$work/lego-slow" --domains lego-slow.example.test --http --http.port "127.0.0.1:$HTTP_PORT" run \
  > "$work/lego-slow.log" 2>&1 || fail "lego failed against slow answers: $(tail -3 "$work/lego-slow.log")"
http_get "$MGMT/roots/0" > "$work/slow-root0.pem"
verify_chain "$work/lego-slow/certificates/lego-slow.example.test.crt" "$work/lego-slow/certificates/lego-slow.example.test.issuer.crt" \
  "$work/slow-root0.pem"

echo "== lego and certbot, a chain of three intermediates (--intermediates 3)"
MOCK_ACME_NAME=long start_mock_acme --http01-port "$HTTP_PORT" --tls01-port "$TLS_PORT" --intermediates 3
http_get "$MGMT/roots/0" > "$work/long-root0.pem"
LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego-long" --domains lego-long.example.test --http --http.port "127.0.0.1:$HTTP_PORT" run \
  > "$work/lego-long.log" 2>&1 || fail "lego (three intermediates) failed"
issuer="$work/lego-long/certificates/lego-long.example.test.issuer.crt"
[ "$(grep -c 'BEGIN CERTIFICATE' "$issuer")" = 3 ] || fail "lego's issuer file does not hold three intermediates"
verify_chain "$work/lego-long/certificates/lego-long.example.test.crt" "$issuer" "$work/long-root0.pem"
REQUESTS_CA_BUNDLE="$HTTPS_CA" certbot certonly --standalone --non-interactive --agree-tos \
  -m test@example.com --server "$DIR" --http-01-port "$HTTP_PORT" --http-01-address 127.0.0.1 \
  --config-dir "$work/certbot-long/config" --work-dir "$work/certbot-long/work" --logs-dir "$work/certbot-long/logs" \
  -d certbot-long.example.test > "$work/certbot-long.log" 2>&1 || fail "certbot (three intermediates) failed"
live="$work/certbot-long/config/live/certbot-long.example.test"
[ "$(grep -c 'BEGIN CERTIFICATE' "$live/chain.pem")" = 3 ] || fail "certbot's chain.pem does not hold three intermediates"
verify_chain "$live/cert.pem" "$live/chain.pem" "$work/long-root0.pem"
openssl x509 -in "$live/cert.pem" -out "$work/long-leaf.pem"  # the leaf alone
openssl x509 -in "$live/chain.pem" -out "$work/long-issuing.pem"  # the first intermediate alone
if openssl verify -CAfile "$work/long-root0.pem" -untrusted "$work/long-issuing.pem" "$work/long-leaf.pem" > /dev/null 2>&1; then
  fail "the leaf verified with only the issuing intermediate"
fi

echo "== a root of one's own, made by openssl (--root-cert, --root-key): lego's chain verifies against it alone"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$work/own-root.key" -out "$work/own-root.pem" \
  -subj "/CN=own test root" -days 30 -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2> "$work/openssl.err" || fail "openssl could not make a root"
MOCK_ACME_NAME=own start_mock_acme --http01-port "$HTTP_PORT" --tls01-port "$TLS_PORT" \
  --root-cert "$work/own-root.pem" --root-key "$work/own-root.key"
http_get "$MGMT/roots/0" | cmp -s - "$work/own-root.pem" || fail "/roots/0 is not the root given"
LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego-own" --domains lego-own.example.test --http --http.port "127.0.0.1:$HTTP_PORT" run \
  > "$work/lego-own.log" 2>&1 || fail "lego (own root) failed"
verify_chain "$work/lego-own/certificates/lego-own.example.test.crt" \
  "$work/lego-own/certificates/lego-own.example.test.issuer.crt" "$work/own-root.pem"

echo "== the command line's settings reach the server: --caa-identity, --resolve, --crl-listen, --cors-origin"
# lego answers http-01 on 127.0.0.2 alone: it validates only where --resolve sends the name
CRL_PORT=$(free_port)
MOCK_ACME_NAME=flags start_mock_acme --http01-port "$HTTP_PORT" --tls01-port "$TLS_PORT" \
  --caa-identity one.example.test --caa-identity two.example.test \
  --resolve lego-resolved.example.test=127.0.0.2 --crl-listen "127.0.0.1:$CRL_PORT" \
  --cors-origin https://app.example.test --cors-origin http://127.0.0.1:8080 --no-random-directory-entry
crl_url=$(sed -n 's/^crl: //p' "$work/flags.log")
[ "$crl_url" = "http://127.0.0.1:$CRL_PORT/crl/$(basename "$crl_url")" ] || fail "no crl: line naming --crl-listen: $crl_url"
curl -sS --cacert "$HTTPS_CA" "$DIR" | python3 -c '
import json, sys
directory = json.load(sys.stdin)
ids = directory["meta"]["caaIdentities"]
if ids != ["one.example.test", "two.example.test"]: sys.exit("caaIdentities: %r" % ids)
known = {"newNonce", "newAccount", "newOrder", "revokeCert", "keyChange", "renewalInfo", "newAuthz", "meta"}
if set(directory) - known: sys.exit("members besides the known ones: %r" % sorted(set(directory) - known))' \
  || fail "the directory does not name the --caa-identity names alone, or has its random member despite --no-random-directory-entry"
# a browser's script from a --cors-origin origin may read the answers; one from elsewhere may not
cors() { curl -sS -o /dev/null -D - --cacert "$HTTPS_CA" -H "Origin: $1" "$DIR" | tr -d '\r' | sed -n 's/^access-control-allow-origin: //Ip'; }
[ "$(cors http://127.0.0.1:8080)" = "http://127.0.0.1:8080" ] || fail "no CORS answer for a --cors-origin origin: $(cors http://127.0.0.1:8080)"
[ -z "$(cors https://elsewhere.example.test)" ] || fail "a CORS answer for an origin --cors-origin does not name"
LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego-flags" --domains lego-resolved.example.test --http --http.port "127.0.0.2:$HTTP_PORT" run \
  > "$work/lego-resolved.log" 2>&1 || fail "lego, validated at the --resolve address, failed: $(tail -3 "$work/lego-resolved.log")"
if LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego-flags" --domains lego-unresolved.example.test --http --http.port "127.0.0.2:$HTTP_PORT" run \
  > "$work/lego-unresolved.log" 2>&1; then fail "a name --resolve does not name validated at 127.0.0.2"; fi
# the leaf names the CRL at --crl-listen, and the CRL there is the issuer's, signed by it
leaf="$work/lego-flags/certificates/lego-resolved.example.test.crt"
openssl x509 -in "$leaf" -noout -ext crlDistributionPoints | grep -qF "URI:$crl_url" || fail "the leaf does not name $crl_url"
curl -sS --max-time 10 -o "$work/flags.crl" "$crl_url" || fail "no CRL at $crl_url"
openssl crl -inform DER -in "$work/flags.crl" -noout \
  -CAfile "$work/lego-flags/certificates/lego-resolved.example.test.issuer.crt" 2>&1 | grep -q "verify OK" \
  || fail "the CRL at $crl_url does not verify under the leaf's issuer"

echo "== the command line: roots that cannot issue, usage errors (exit 2) and --help"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/leafy.key" -out "$work/leafy.pem" \
  -subj "/CN=not a CA" -days 30 -addext "basicConstraints=critical,CA:FALSE" 2> "$work/openssl.err"
# expect CODE TEXT ARGS...: mock-acme ARGS exits CODE and says TEXT on its first line of standard error
expect() {
  local code=$1 text=$2 rc=0
  shift 2
  timeout 60 "$MOCK_ACME" --listen 127.0.0.1:0 --management 127.0.0.1:0 "$@" > "$work/cl.out" 2> "$work/cl.err" || rc=$?
  [ "$rc" = "$code" ] || fail "mock-acme $*: exit $rc, not $code: $(head -3 "$work/cl.err")"
  head -1 "$work/cl.err" | grep -qF -- "$text" || fail "mock-acme $*: said $(head -1 "$work/cl.err"), not $text"
  ! grep -q '^directory: ' "$work/cl.out" || fail "mock-acme $*: started"
}
expect 1 "invalid CA certificate" --root-cert "$work/leafy.pem" --root-key "$work/leafy.key"
expect 1 "the root key does not belong to the root certificate" --root-cert "$work/own-root.pem" --root-key "$work/leafy.key"
expect 1 "the root certificate file $work/missing.pem: cannot open" --root-cert "$work/missing.pem" --root-key "$work/leafy.key"
expect 2 "rootCertFile and rootKeyFile go together" --root-cert "$work/own-root.pem"
expect 2 "unknown option --bogus" --bogus
expect 2 "--resolve takes NAME=ADDR" --resolve a.example.test
expect 2 "CORS origin \"https://app.example.test/\" is neither" --cors-origin https://app.example.test/
expect 2 'resolve: "a.example.test" must go to an IP address, not "nowhere.test"' --resolve a.example.test=nowhere.test
expect 2 "mock-acme: " --ca-key-type ec521
"$MOCK_ACME" --help > "$work/help.out" 2>&1 || fail "--help did not exit 0"
grep -q -- "--root-cert FILE --root-key FILE" "$work/help.out" || fail "--help does not list --root-cert"

echo "PASS"
