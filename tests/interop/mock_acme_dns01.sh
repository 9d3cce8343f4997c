#!/usr/bin/env bash
# dns-01 and wildcards against mock-acme: lego's exec provider and certbot's
# manual hooks publish the TXT records in Debian's pebble-challtestsrv (a
# real DNS server on loopback), and mock-acme asks that server.
MOCK_ACME=$1
source "$(dirname "$0")/lib.sh"
command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed"
command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps.sh --test installs it)"

DNS_PORT=$(free_port)
CTS_MGMT=$(free_port)
pebble-challtestsrv -dns01 "127.0.0.1:$DNS_PORT" -management "127.0.0.1:$CTS_MGMT" \
  -http01 "" -https01 "" -tlsalpn01 "" > "$work/challtestsrv.log" 2>&1 &
pids+=($!)
start_mock_acme --dns-server "127.0.0.1:$DNS_PORT"
http_get "$MGMT/roots/0" > "$work/root0.pem"

# lego's exec contract: HOOK present|cleanup FQDN VALUE
cat > "$work/hook.sh" <<HOOK
#!/usr/bin/env bash
set -euo pipefail
echo "\$1 \$2" >> "$work/hook-calls.log"
case "\$1" in
  present) body="{\"host\":\"\$2\",\"value\":\"\$3\"}"; path=set-txt ;;
  cleanup) body="{\"host\":\"\$2\"}"; path=clear-txt ;;
  *) exit 0 ;;
esac
python3 -c 'import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST"), timeout=10)' \
  "\${DNS_MGMT:-http://127.0.0.1:$CTS_MGMT}/\$path" "\$body"
HOOK
chmod +x "$work/hook.sh"
for _ in $(seq 1 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $CTS_MGMT), 1)" 2>/dev/null && break; sleep 0.1; done

echo "== lego, dns-01, a wildcard and its base name"
EXEC_PATH="$work/hook.sh" EXEC_POLLING_INTERVAL=1 EXEC_SEQUENCE_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=30 LEGO_CA_CERTIFICATES="$work/https-ca.pem" lego --server "$DIR" --accept-tos \
  --email test@example.com --path "$work/lego" --domains '*.wild.example.test' --domains wild.example.test \
  --dns exec --dns.resolvers "127.0.0.1:$DNS_PORT" --dns.disable-cp run > "$work/lego-dns.log" 2>&1 \
  || fail "lego dns-01 failed"
certs="$work/lego/certificates"
verify_chain "$certs/_.wild.example.test.crt" "$certs/_.wild.example.test.issuer.crt" "$work/root0.pem"
openssl x509 -in "$certs/_.wild.example.test.crt" -noout -ext subjectAltName | grep -q 'DNS:\*.wild.example.test' \
  || fail "the wildcard is not in the certificate"

echo "== lego, dns-01 delegated by CNAME: lego publishes where the alias leads, mock-acme follows it"
http_post "http://127.0.0.1:$CTS_MGMT/set-cname" \
  '{"host":"_acme-challenge.delegated.example.test.","target":"acme.delegation.example.test."}'
EXEC_PATH="$work/hook.sh" EXEC_POLLING_INTERVAL=1 EXEC_SEQUENCE_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=30 LEGO_CA_CERTIFICATES="$work/https-ca.pem" lego --server "$DIR" --accept-tos \
  --email test@example.com --path "$work/lego" --domains delegated.example.test \
  --dns exec --dns.resolvers "127.0.0.1:$DNS_PORT" --dns.disable-cp run > "$work/lego-cname.log" 2>&1 \
  || fail "lego dns-01 through a CNAME failed: $(tail -3 "$work/lego-cname.log")"
grep -q '^present acme.delegation.example.test.$' "$work/hook-calls.log" || fail "lego did not publish at the alias's target: $(cat "$work/hook-calls.log")"
verify_chain "$certs/delegated.example.test.crt" "$certs/delegated.example.test.issuer.crt" "$work/root0.pem"

echo "== certbot, dns-01 through manual hooks, a wildcard and its base name (both TXT values at once)"
cat > "$work/certbot-auth.sh" <<HOOK
#!/usr/bin/env bash
set -euo pipefail
python3 -c 'import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST"), timeout=10)' \
  "\${DNS_MGMT:-http://127.0.0.1:$CTS_MGMT}/set-txt" "{\"host\":\"_acme-challenge.\$CERTBOT_DOMAIN.\",\"value\":\"\$CERTBOT_VALIDATION\"}"
HOOK
cat > "$work/certbot-cleanup.sh" <<HOOK
#!/usr/bin/env bash
set -euo pipefail
python3 -c 'import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST"), timeout=10)' \
  "\${DNS_MGMT:-http://127.0.0.1:$CTS_MGMT}/clear-txt" "{\"host\":\"_acme-challenge.\$CERTBOT_DOMAIN.\"}"
HOOK
chmod +x "$work/certbot-auth.sh" "$work/certbot-cleanup.sh"
REQUESTS_CA_BUNDLE="$work/https-ca.pem" certbot certonly --manual --preferred-challenges dns --non-interactive \
  --agree-tos -m test@example.com --server "$DIR" --manual-auth-hook "$work/certbot-auth.sh" \
  --manual-cleanup-hook "$work/certbot-cleanup.sh" --config-dir "$work/certbot/config" --work-dir "$work/certbot/work" \
  --logs-dir "$work/certbot/logs" -d '*.cb.example.test' -d cb.example.test > "$work/certbot-dns.log" 2>&1 \
  || fail "certbot dns-01 failed: $(grep -o 'urn:ietf:params:acme:error:[a-zA-Z]*[^"]*' "$work/certbot/logs/letsencrypt.log" | tail -2)"
live="$work/certbot/config/live/cb.example.test"
verify_chain "$live/cert.pem" "$live/chain.pem" "$work/root0.pem"
openssl x509 -in "$live/cert.pem" -noout -ext subjectAltName | grep -q 'DNS:\*.cb.example.test' \
  || fail "certbot's certificate lacks the wildcard"

echo "== --check-caa: lego meets the CAA records pebble-challtestsrv serves"
caa() {  # HOST TAG VALUE
  http_post "http://127.0.0.1:$CTS_MGMT/add-caa" "{\"host\":\"$1\",\"policies\":[{\"tag\":\"$2\",\"value\":\"$3\"}]}"
}
caa caa.example.test issue "cxxacme.mock; validationmethods=dns-01"
caa blocked.caa.example.test issue "other.ca"
MOCK_ACME_NAME=caa-mock start_mock_acme --dns-server "127.0.0.1:$DNS_PORT" --check-caa
lego_caa() {  # NAME LOG
  EXEC_PATH="$work/hook.sh" EXEC_POLLING_INTERVAL=1 EXEC_SEQUENCE_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=30 LEGO_CA_CERTIFICATES="$HTTPS_CA" \
    lego --server "$DIR" --accept-tos --email test@example.com --path "$work/lego-caa" --domains "$1" \
    --dns exec --dns.resolvers "127.0.0.1:$DNS_PORT" --dns.disable-cp run > "$2" 2>&1
}
# allowed by the records of its parent (dns-01 is the method they allow)
lego_caa ok.caa.example.test "$work/lego-caa-ok.log" || fail "lego was refused under CAA that allows it: $(tail -3 "$work/lego-caa-ok.log")"
[ -s "$work/lego-caa/certificates/ok.caa.example.test.crt" ] || fail "no certificate for ok.caa.example.test"
# refused by its own: lego fails with the caa problem and its reason
lego_caa blocked.caa.example.test "$work/lego-caa-blocked.log" && fail "lego got a certificate that CAA forbids"
grep -q 'urn:ietf:params:acme:error:caa' "$work/lego-caa-blocked.log" || fail "no caa problem in lego's output: $(tail -3 "$work/lego-caa-blocked.log")"
grep -q 'names another CA' "$work/lego-caa-blocked.log" || fail "the caa problem does not say why: $(tail -3 "$work/lego-caa-blocked.log")"
[ ! -e "$work/lego-caa/certificates/blocked.caa.example.test.crt" ] || fail "a certificate for blocked.caa.example.test was written"

echo "== mock-acme's own DNS (--dns-listen): the same hooks, pointed at mock-acme's management, and nothing else running"
MOCK_ACME_NAME=own-dns start_mock_acme --dns-listen 127.0.0.1:0 --check-caa
for _ in $(seq 1 50); do grep -q '^dns: ' "$work/own-dns.log" && break; sleep 0.1; done
OWN_DNS=$(sed -n 's/^dns: //p' "$work/own-dns.log")
[ -n "$OWN_DNS" ] || fail "mock-acme --dns-listen printed no dns: line"
OWN_PORT=${OWN_DNS##*:}
http_get "$MGMT/roots/0" > "$work/own-root0.pem"
: > "$work/hook-calls.log"
DNS_MGMT=$MGMT EXEC_PATH="$work/hook.sh" EXEC_POLLING_INTERVAL=1 EXEC_SEQUENCE_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=30 \
  LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com --path "$work/lego-own" \
  --domains '*.own.example.test' --domains own.example.test --dns exec --dns.resolvers "$OWN_DNS" --dns.disable-cp run \
  > "$work/lego-own.log" 2>&1 || fail "lego dns-01 against mock-acme's own DNS failed: $(tail -3 "$work/lego-own.log")"
verify_chain "$work/lego-own/certificates/_.own.example.test.crt" "$work/lego-own/certificates/_.own.example.test.issuer.crt" \
  "$work/own-root0.pem"
grep -q '^cleanup _acme-challenge.own.example.test.$' "$work/hook-calls.log" || fail "lego did not clean up: $(cat "$work/hook-calls.log")"
[ -z "$(kdig @127.0.0.1 -p "$OWN_PORT" TXT _acme-challenge.own.example.test +short)" ] || fail "TXT left in mock-acme's DNS"
# its request history, as pebble-challtestsrv's: lego checks no propagation here (--dns.disable-cp),
# so the TXT questions are mock-acme's validation, the CAA ones its --check-caa
asked_types() {  # NAME: the Qtypes asked about NAME, one per line
  python3 -c 'import json,sys,urllib.request
req = urllib.request.Request(sys.argv[1] + "/dns-request-history", data=json.dumps({"host": sys.argv[2]}).encode(), method="POST")
for event in json.load(urllib.request.urlopen(req, timeout=30)): print(event["Question"]["Qtype"])' "$MGMT" "$1"
}
# (read whole first: grep -q would stop reading early, and pipefail take the writer's broken pipe for a failure)
txt_types=$(asked_types _acme-challenge.own.example.test)
caa_types=$(asked_types own.example.test)
grep -qx 16 <<< "$txt_types" || fail "no TXT question in mock-acme's DNS history: $txt_types"
grep -qx 257 <<< "$caa_types" || fail "no CAA question in mock-acme's DNS history: $caa_types"
DNS_MGMT=$MGMT REQUESTS_CA_BUNDLE="$HTTPS_CA" certbot certonly --manual --preferred-challenges dns --non-interactive \
  --agree-tos -m test@example.com --server "$DIR" --manual-auth-hook "$work/certbot-auth.sh" \
  --manual-cleanup-hook "$work/certbot-cleanup.sh" --config-dir "$work/certbot-own/config" --work-dir "$work/certbot-own/work" \
  --logs-dir "$work/certbot-own/logs" -d '*.cbown.example.test' -d cbown.example.test > "$work/certbot-own.log" 2>&1 \
  || fail "certbot dns-01 against mock-acme's own DNS failed: $(grep -o 'urn:ietf:params:acme:error:[a-zA-Z]*[^"]*' "$work/certbot-own/logs/letsencrypt.log" | tail -2)"
verify_chain "$work/certbot-own/config/live/cbown.example.test/cert.pem" "$work/certbot-own/config/live/cbown.example.test/chain.pem" \
  "$work/own-root0.pem"
# its CAA records, set as pebble-challtestsrv's are, are what --check-caa reads
http_post "$MGMT/add-caa" '{"host":"own-caa.example.test","policies":[{"tag":"issue","value":"other.ca"}]}'
kdig @127.0.0.1 -p "$OWN_PORT" CAA own-caa.example.test +short | grep -q '^0 issue "other.ca"' || fail "CAA not served"
DNS_MGMT=$MGMT EXEC_PATH="$work/hook.sh" EXEC_POLLING_INTERVAL=1 EXEC_SEQUENCE_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=30 \
  LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com --path "$work/lego-own" \
  --domains own-caa.example.test --dns exec --dns.resolvers "$OWN_DNS" --dns.disable-cp run > "$work/lego-own-caa.log" 2>&1 \
  && fail "lego got a certificate that the CAA record in mock-acme's DNS forbids"
grep -q 'urn:ietf:params:acme:error:caa' "$work/lego-own-caa.log" || fail "no caa problem: $(tail -3 "$work/lego-own-caa.log")"
# a body that does not read is refused
code=$(curl -s -o /dev/null -w '%{http_code}' -d '{"host":"bad host","value":"v"}' "$MGMT/set-txt")
[ "$code" = 400 ] || fail "a bad /set-txt got HTTP $code"

echo "PASS"
