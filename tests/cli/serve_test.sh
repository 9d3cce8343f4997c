#!/usr/bin/env bash
# `cxxacme serve` as a process, against the mock-acme program: certificates
# through tls-alpn-01 on the site's own port, static files, the plain-HTTP
# redirect, the access log, refusals, and a clean SIGTERM.
CXXACME=$1
MOCK_ACME=$2
source "$(dirname "$0")/../interop/lib.sh"

HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port)
start_mock_acme --http01-port "$HTTP_PORT" --tls01-port "$HTTPS_PORT"
http_get "$MGMT/roots/0" > "$work/root.pem"

mkdir -p "$work/certs" "$work/www/sub"
echo "hello" > "$work/www/index.html"
echo "sub page" > "$work/www/sub/page.txt"
echo "secret" > "$work/www/.hidden"
echo "outside" > "$work/outside.txt"
ln -s ../outside.txt "$work/www/link.txt"
: > "$work/certs/a.example.test.pem"
: > "$work/certs/b.example.test.pem"

esc() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/:/\\:/g'; }
ENDPOINT="acme:$(esc "$work/certs"):tcp:$HTTPS_PORT:interface=127.0.0.1:directory=$(esc "$DIR"):ca-bundle=$(esc "$work/https-ca.pem")"

echo "== bad endpoint strings exit 2 and say where"
set +e
"$CXXACME" serve --listen "acme:$work/certs:tcp:99999" --path "$work/www" 2> "$work/bad.err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "bad port exit $rc"
grep -q "is not a number from 0 to 65535" "$work/bad.err" || fail "unclear: $(cat "$work/bad.err")"
grep -q "\^" "$work/bad.err" || fail "no caret"
[ ! -e "$work/certs/client.key" ] || fail "a bad string created the account key"

echo "== serve"
"$CXXACME" serve --listen "$ENDPOINT" --path "$work/www" --http "127.0.0.1:$HTTP_PORT" --access-log "$work/access.log" \
  > "$work/serve.log" 2> "$work/serve.err" &
serve_pid=$!
pids+=($serve_pid)
for _ in $(seq 1 300); do grep -q "https on port" "$work/serve.err" 2>/dev/null && break; sleep 0.1; done
grep -q "https on port $HTTPS_PORT, http on port $HTTP_PORT; serving 2 certificates" "$work/serve.err" || fail "serve did not come up: $(cat "$work/serve.err")"
[ "$(stat -c %a "$work/certs/client.key")" = 600 ] || fail "client.key is not 0600"

get() {  # NAME PATH [curl args] -> "CODE BODY"
  local name=$1 path=$2; shift 2
  curl -sS --path-as-is --cacert "$work/root.pem" --resolve "$name:$HTTPS_PORT:127.0.0.1" "$@" \
    -w ' %{http_code}' "https://$name:$HTTPS_PORT$path"
}
[ "$(get a.example.test /)" = "hello
 200" ] || fail "a: $(get a.example.test /)"
[ "$(get b.example.test /sub/page.txt)" = "sub page
 200" ] || fail "b: sub page"
for bad in /.hidden /link.txt /../outside.txt /%2e%2e/outside.txt /sub/../../outside.txt /nothing; do
  [ "$(get a.example.test "$bad" | tail -c 4)" = " 404" ] || fail "$bad was not refused: $(get a.example.test "$bad")"
done
[ "$(get a.example.test / -X POST | tail -c 4)" = " 405" ] || fail "POST not refused"

echo "== each name has its own certificate, verified by openssl s_client"
for name in a.example.test b.example.test; do
  openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$name" -CAfile "$work/root.pem" \
    -verify_return_error -verify_hostname "$name" < /dev/null > "$work/s_client.$name.out" 2>&1 \
    || fail "s_client $name: $(tail -5 "$work/s_client.$name.out")"
  grep -q "Verify return code: 0 (ok)" "$work/s_client.$name.out" || fail "s_client did not verify $name"
done
a_serial=$(openssl x509 -in "$work/certs/a.example.test.pem" -noout -serial)
b_serial=$(openssl x509 -in "$work/certs/b.example.test.pem" -noout -serial)
[ "$a_serial" != "$b_serial" ] || fail "one certificate for both names"
if openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -noservername < /dev/null > "$work/nosni.out" 2>&1; then
  fail "a client without SNI got a certificate"
fi

echo "== plain HTTP redirects to HTTPS"
loc=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: a.example.test:$HTTP_PORT" "http://127.0.0.1:$HTTP_PORT/sub/page.txt?x=1")
[ "$loc" = "301 https://a.example.test:$HTTPS_PORT/sub/page.txt?x=1" ] || fail "redirect: $loc"

echo "== a fleet over one CERTDIR: another process orders, and the CA's validation, which reaches this server alone, is answered from the board"
acme_args=(--directory "$DIR" --ca-bundle "$work/https-ca.pem" --store "dir:$work/certs" --quiet)
"$CXXACME" issue "${acme_args[@]}" --challenge tls-alpn-01 --tls-port "$(free_port)" fleet-alpn.example.test > "$work/fleet.log" 2>&1 \
  || fail "tls-alpn-01 through the server: $(cat "$work/fleet.log")"
# an IP address (RFC 8738): the CA's handshake names its reverse-DNS name, and the server answers for the address
"$CXXACME" issue "${acme_args[@]}" --challenge tls-alpn-01 --tls-port "$(free_port)" --profile shortlived 127.0.0.1 > "$work/fleet.log" 2>&1 \
  || fail "an IP address by tls-alpn-01 through the server: $(cat "$work/fleet.log")"
openssl x509 -in "$work/certs/127.0.0.1.pem" -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.1' \
  || fail "the IP certificate does not name 127.0.0.1: $(openssl x509 -in "$work/certs/127.0.0.1.pem" -noout -ext subjectAltName 2>&1)"
"$CXXACME" issue "${acme_args[@]}" --challenge http-01 --http-port "$(free_port)" fleet-http.example.test > "$work/fleet.log" 2>&1 \
  || fail "http-01 through the server: $(cat "$work/fleet.log")"
# the server's own http port: taken, so the answers are left on the board for the server, which holds it
"$CXXACME" issue "${acme_args[@]}" --challenge http-01 --http-port "$HTTP_PORT" fleet-port.example.test > "$work/fleet.log" 2> "$work/fleet.err" \
  || fail "http-01 on the server's own port: $(cat "$work/fleet.err")"
grep -q "^cxxacme: 127.0.0.1:$HTTP_PORT is taken; leaving the http-01 answers on the store's challenge board" "$work/fleet.err" \
  || fail "no word of the taken port: $(cat "$work/fleet.err")"
ls -a "$work/certs" | grep -q '^\.challenge\.' && fail "answers left on the board: $(ls -a "$work/certs")"
echo "== a second server on the port is refused, not given half its connections"
set +e
"$CXXACME" serve --listen "$ENDPOINT" --path "$work/www" > /dev/null 2> "$work/second.err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "a second serve on port $HTTPS_PORT: exit $rc $(cat "$work/second.err")"
grep -q "cannot listen: Address already in use" "$work/second.err" || fail "second serve: $(cat "$work/second.err")"
echo "== the server serves them without a restart, and issues an entry written empty at once"
: > "$work/certs/touched.example.test.pem"
for name in fleet-alpn.example.test fleet-http.example.test touched.example.test; do
  for _ in $(seq 1 300); do [ "$(get "$name" / 2>/dev/null)" = "hello
 200" ] && break; sleep 0.1; done
  [ "$(get "$name" /)" = "hello
 200" ] || fail "$name is not served: $(get "$name" / 2>&1)"
done
grep -q 'touched.example.test: issued' "$work/serve.err" || fail "touched.example.test: $(cat "$work/serve.err")"
for name in fleet-alpn.example.test fleet-http.example.test; do
  if grep -q "$name: issued" "$work/serve.err"; then fail "the server ordered $name too"; fi
done

echo "== SIGTERM stops it cleanly"
kill -TERM "$serve_pid"
rc=0; wait "$serve_pid" || rc=$?
[ $rc -eq 0 ] || fail "serve exit $rc after SIGTERM"
grep -q "SIGTERM, stopping" "$work/serve.err" || fail "no stop message"
grep -q '"GET / HTTP/1.1" 200 6 "a.example.test' "$work/access.log" || fail "access log: $(cat "$work/access.log")"
grep -q '"GET /.hidden HTTP/1.1" 404' "$work/access.log" || fail "404 not logged"
grep -q '"GET /sub/page.txt?x=1 HTTP/1.1" 301' "$work/access.log" || fail "redirect not logged"

echo "== on-demand TLS: bad flags exit 2 before anything listens"
for bad in "--on-demand-under *.example.test" "--on-demand-under 127.0.0.1" "--on-demand-under a..b" "--on-demand-ask ftp://x/" \
           "--on-demand-ask http://127.0.0.1/#frag"; do
  set +e
  # shellcheck disable=SC2086
  "$CXXACME" serve --listen "$ENDPOINT" --path "$work/www" $bad > /dev/null 2> "$work/ondemand-bad.err"; rc=$?
  set -e
  [ $rc -eq 2 ] || fail "serve $bad: exit $rc $(cat "$work/ondemand-bad.err")"
  grep -q -- "${bad%% *}" "$work/ondemand-bad.err" || fail "serve $bad does not say which flag: $(cat "$work/ondemand-bad.err")"
done

echo "== on-demand TLS: names under a domain that the ask service allows are issued at the first handshake"
ASK_PORT=$(free_port)
# the operator's ask service: yes (200) to shop*.customers.example.test, no (403) to the rest; it logs what it was asked
# (and no to the names listed in $work/left: customers who left)
python3 - "$ASK_PORT" "$work/asked.log" "$work/left" <<'PY' > "$work/ask.out" 2>&1 &
import http.server, os, sys, urllib.parse
log = open(sys.argv[2], "a", buffering=1)
class Ask(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        domain = urllib.parse.parse_qs(url.query).get("domain", [""])[0]
        log.write(url.path + " " + domain + "\n")
        left = open(sys.argv[3]).read().split() if os.path.exists(sys.argv[3]) else []
        token = urllib.parse.parse_qs(url.query).get("token", [""])[0]
        self.send_response(200 if url.path == "/may-i" and token == "s3cret" and domain.startswith("shop") and domain not in left else 403)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Ask).serve_forever()
PY
pids+=($!)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$ASK_PORT") 2>/dev/null && break; sleep 0.1; done
"$CXXACME" serve --listen "$ENDPOINT" --path "$work/www" --on-demand-under customers.example.test,other.example.test \
  --on-demand-ask "http://127.0.0.1:$ASK_PORT/may-i?token=s3cret" > /dev/null 2> "$work/ondemand.err" &
serve_pid=$!
pids+=($serve_pid)
for _ in $(seq 1 300); do grep -q "issuing on demand" "$work/ondemand.err" 2>/dev/null && break; sleep 0.1; done
grep -q "issuing on demand: names under customers.example.test,other.example.test that the ask service at http://127.0.0.1:$ASK_PORT/may-i allows" \
  "$work/ondemand.err" || fail "on-demand serve did not come up: $(cat "$work/ondemand.err")"
[ ! -e "$work/certs/shop1.customers.example.test.pem" ] || fail "shop1 was there before"
[ "$(get shop1.customers.example.test /)" = "hello
 200" ] || fail "shop1 on demand: $(get shop1.customers.example.test / 2>&1)"
[ -s "$work/certs/shop1.customers.example.test.pem" ] || fail "shop1 was not stored"
[ "$(stat -c %a "$work/certs/shop1.customers.example.test.pem")" = 600 ] || fail "shop1's entry is not 0600"
grep -q 'shop1.customers.example.test: issued' "$work/ondemand.err" || fail "no issued line: $(cat "$work/ondemand.err")"
grep -qx "/may-i shop1.customers.example.test" "$work/asked.log" || fail "the ask service was not asked: $(cat "$work/asked.log")"
# refused: by the ask service, by the domains (never asked), and an address
for name in blog.customers.example.test shop.elsewhere.test; do
  if get "$name" / > "$work/refused.out" 2>&1; then fail "$name was served: $(cat "$work/refused.out")"; fi
  [ ! -e "$work/certs/$name.pem" ] || fail "$name was stored"
done
grep -qx "/may-i blog.customers.example.test" "$work/asked.log" || fail "blog was not asked about: $(cat "$work/asked.log")"
if grep -q "elsewhere" "$work/asked.log"; then fail "a name under no --on-demand-under domain was asked about"; fi
# shop1 again: served from the store, nothing asked
asked_before=$(wc -l < "$work/asked.log")
[ "$(get shop1.customers.example.test /)" = "hello
 200" ] || fail "shop1 again"
[ "$(wc -l < "$work/asked.log")" = "$asked_before" ] || fail "shop1 was asked about again"
kill -TERM "$serve_pid"
rc=0; wait "$serve_pid" || rc=$?
[ $rc -eq 0 ] || fail "on-demand serve exit $rc after SIGTERM"
[ "$(grep -c ': issued' "$work/ondemand.err")" = 1 ] || fail "orders other than shop1's: $(cat "$work/ondemand.err")"
if grep -q s3cret "$work/ondemand.err"; then fail "the ask URL's token was written out: $(cat "$work/ondemand.err")"; fi

echo "== on-demand TLS: a customer who left is not renewed, one who stayed is"
serve_on_demand() {  # LOG: a server with on-demand issuance, until "issuing on demand" is said
  "$CXXACME" serve --listen "$ENDPOINT" --path "$work/www" --on-demand-under customers.example.test \
    --on-demand-ask "http://127.0.0.1:$ASK_PORT/may-i?token=s3cret" > /dev/null 2> "$1" &
  serve_pid=$!
  pids+=($serve_pid)
  for _ in $(seq 1 300); do grep -q "issuing on demand" "$1" 2>/dev/null && break; sleep 0.1; done
  grep -q "their renewals are asked about again" "$1" || fail "on-demand serve did not come up: $(cat "$1")"
}
# the CA's clock 89 days back: what it issues now has a day left, due at the next check
http_post "$MGMT/time-travel" '{"advanceSeconds": -7689600}' || fail "time travel"
serve_on_demand "$work/ondemand2.err"
for name in shop2.customers.example.test shop3.customers.example.test; do
  [ "$(get "$name" /)" = "hello
 200" ] || fail "$name on demand: $(get "$name" / 2>&1)"
done
kill -TERM "$serve_pid"; wait "$serve_pid" || true
http_post "$MGMT/time-travel" '{"advanceSeconds": 7689600}' || fail "time travel back"
echo shop2.customers.example.test > "$work/left"
shop2_serial=$(openssl x509 -in "$work/certs/shop2.customers.example.test.pem" -noout -serial)
shop3_serial=$(openssl x509 -in "$work/certs/shop3.customers.example.test.pem" -noout -serial)
asked_shop2=$(grep -c "^/may-i shop2.customers.example.test$" "$work/asked.log")
serve_on_demand "$work/ondemand3.err"  # its start-up check finds both due
grep -q 'shop3.customers.example.test: renewed' "$work/ondemand3.err" || fail "shop3 was not renewed: $(cat "$work/ondemand3.err")"
[ "$(openssl x509 -in "$work/certs/shop3.customers.example.test.pem" -noout -serial)" != "$shop3_serial" ] || fail "shop3 kept its serial"
[ "$(openssl x509 -in "$work/certs/shop2.customers.example.test.pem" -noout -serial)" = "$shop2_serial" ] || fail "shop2 was renewed"
if grep -q 'shop2.customers.example.test: \(renewed\|failed\|PANIC\)' "$work/ondemand3.err"; then
  fail "shop2: $(cat "$work/ondemand3.err")"
fi
[ "$(grep -c "^/may-i shop2.customers.example.test$" "$work/asked.log")" -gt "$asked_shop2" ] || fail "shop2's renewal was not asked about"
kill -TERM "$serve_pid"
rc=0; wait "$serve_pid" || rc=$?
[ $rc -eq 0 ] || fail "on-demand serve exit $rc after SIGTERM"
echo "PASS"
