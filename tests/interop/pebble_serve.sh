#!/usr/bin/env bash
# `cxxacme serve` with an acme: endpoint string against Debian's pebble, the
# reference ACME server: the certificates come through tls-alpn-01 on the
# site's own port, and `openssl s_client -servername NAME` verifies each
# served chain against pebble's root. pebble-challtestsrv answers pebble's
# DNS queries with 127.0.0.1.
CXXACME=$1
source "$(dirname "$0")/lib.sh"
command -v pebble >/dev/null || fail "pebble is not installed"

PEBBLE_PORT=$(free_port)
PEBBLE_MGMT=$(free_port)
DNS_PORT=$(free_port)
HTTPS_PORT=$(free_port)
HTTP_UNUSED=$(free_port)

# pebble's own HTTPS identity
https_identity
cat > "$work/pebble.json" <<JSON
{"pebble":{"listenAddress":"127.0.0.1:$PEBBLE_PORT","managementListenAddress":"127.0.0.1:$PEBBLE_MGMT",
 "certificate":"$work/cert.pem","privateKey":"$work/key.pem","httpPort":$HTTP_UNUSED,"tlsPort":$HTTPS_PORT,
 "ocspResponderURL":"","externalAccountBindingRequired":false}}
JSON
CTS_MGMT=$(free_port)
pebble-challtestsrv -dns01 "127.0.0.1:$DNS_PORT" -management "127.0.0.1:$CTS_MGMT" -defaultIPv6 "" \
  -http01 "" -https01 "" -tlsalpn01 "" > "$work/challtestsrv.log" 2>&1 &
pids+=($!)
# the DNS server is up once the management port answers (both start together)
for _ in $(seq 1 300); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $CTS_MGMT), 1)" 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 1 50); do grep -q "Starting challenge servers" "$work/challtestsrv.log" && break; sleep 0.1; done
PEBBLE_VA_NOSLEEP=1 pebble -config "$work/pebble.json" -dnsserver "127.0.0.1:$DNS_PORT" > "$work/pebble.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$PEBBLE_MGMT/roots/0" > "$work/root.pem" 2>/dev/null && [ -s "$work/root.pem" ] && break; sleep 0.1; done
[ -s "$work/root.pem" ] || fail "pebble did not start"

mkdir -p "$work/certs" "$work/www"
echo "hello from pebble's certificates" > "$work/www/index.html"
: > "$work/certs/a.example.test.pem"
: > "$work/certs/b.example.test,www.b.example.test.pem"
esc() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/:/\\:/g'; }
ENDPOINT="acme:$(esc "$work/certs"):tcp:$HTTPS_PORT:interface=127.0.0.1:directory=https\\://127.0.0.1\\:$PEBBLE_PORT/dir:ca-bundle=$(esc "$work/ca.pem")"

"$CXXACME" serve --listen "$ENDPOINT" --path "$work/www" --access-log "$work/access.log" \
  > "$work/serve.log" 2> "$work/serve.err" &
serve_pid=$!
pids+=($serve_pid)
for _ in $(seq 1 1200); do grep -q "https on port" "$work/serve.err" 2>/dev/null && break; sleep 0.1; done
grep -q "https on port $HTTPS_PORT" "$work/serve.err" || fail "serve did not come up"
[ "$(grep -c ": issued" "$work/serve.err")" = 2 ] || fail "expected two issuances: $(cat "$work/serve.err")"
# nothing listens on pebble's http-01 port and no TXT record exists: the only
# challenge pebble could validate was tls-alpn-01, on the site's port

for name in a.example.test b.example.test www.b.example.test; do
  openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$name" -CAfile "$work/root.pem" \
    -verify_return_error -verify_hostname "$name" < /dev/null > "$work/s_client.$name.out" 2>&1 \
    || fail "s_client $name: $(tail -5 "$work/s_client.$name.out")"
  grep -q "Verify return code: 0 (ok)" "$work/s_client.$name.out" || fail "s_client did not verify $name"
  issuer=$(openssl x509 -in "$work/certs/${name#www.}.pem" -noout -issuer 2>/dev/null || openssl x509 -in "$work/certs/b.example.test,www.b.example.test.pem" -noout -issuer)
  echo "$name: verified; $issuer"
done
body=$(curl -sS --cacert "$work/root.pem" --resolve "a.example.test:$HTTPS_PORT:127.0.0.1" "https://a.example.test:$HTTPS_PORT/")
[ "$body" = "hello from pebble's certificates" ] || fail "body: $body"

kill -TERM "$serve_pid"
rc=0; wait "$serve_pid" || rc=$?
[ $rc -eq 0 ] || fail "serve exit $rc after SIGTERM"
echo "PASS"
