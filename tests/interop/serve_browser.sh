#!/usr/bin/env bash
# `cxxacme serve` seen by a real browser: Debian's Chromium, headless, trusting mock-acme's
# root through its own certificate database (NSS, as a user or an administrator adds a
# root), loads each site over HTTPS and gets its page. Chromium's certificate verifier is
# stricter than OpenSSL's command line (it wants the name in subjectAltName, serverAuth,
# a chain it can build by itself), so this shows that what mock-acme issues and what
# `cxxacme serve` presents is what browsers accept. The same browser without the root
# gets no page: the check is real. In a network namespace of its own, as the other
# browser test, so that Chromium reaches nothing beyond its loopback.
CXXACME=$1
MOCK_ACME=$2
source "$(dirname "$0")/namespaces.sh"
own_namespaces net "the browser" "$@"
source "$(dirname "$0")/lib.sh"
need_browser

HTTPS_PORT=$(free_port)
start_mock_acme --tls01-port "$HTTPS_PORT"
http_get "$MGMT/roots/0" > "$work/root.pem"
mkdir -p "$work/certs" "$work/www"
echo "<!doctype html><title>served</title><p id=marker>served by cxxacme</p>" > "$work/www/index.html"
: > "$work/certs/a.example.test.pem"
: > "$work/certs/b.example.test.pem"
esc() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/:/\\:/g'; }
"$CXXACME" serve --listen "acme:$(esc "$work/certs"):tcp:$HTTPS_PORT:interface=127.0.0.1:directory=$(esc "$DIR"):ca-bundle=$(esc "$HTTPS_CA")" \
  --path "$work/www" > "$work/serve.log" 2> "$work/serve.err" &
pids+=($!)
for _ in $(seq 1 300); do grep -q "https on port" "$work/serve.err" 2>/dev/null && break; sleep 0.1; done
grep -q "serving 2 certificates" "$work/serve.err" || fail "serve did not come up: $(cat "$work/serve.err")"

# page HOME NAME: the DOM Chromium shows for https://NAME:PORT/, with HOME's certificate database
page() {
  HOME=$1 timeout 60 chromium "${CHROMIUM_FLAGS[@]}" --user-data-dir="$1/chromium" \
    --host-resolver-rules="MAP *.example.test 127.0.0.1" --dump-dom "https://$2:$HTTPS_PORT/" 2> "$1/chromium.err"
}

echo "== with mock-acme's root in the browser's certificate database, each site's page"
browser_trusts "$work/trusting" "$work/root.pem" "mock-acme root"
for name in a.example.test b.example.test; do
  page "$work/trusting" "$name" > "$work/$name.dom" || true
  grep -q "served by cxxacme" "$work/$name.dom" || fail "Chromium did not show $name's page: $(head -c 300 "$work/$name.dom"; tail -3 "$work/trusting/chromium.err")"
done

echo "== without it, no page: the root is unknown (ERR_CERT_AUTHORITY_INVALID)"
mkdir -p "$work/stranger"
page "$work/stranger" a.example.test > "$work/stranger.dom" || true
! grep -q "served by cxxacme" "$work/stranger.dom" || fail "Chromium showed the page without trusting mock-acme's root"
grep -q "ERR_CERT_AUTHORITY_INVALID" "$work/stranger/chromium.err" \
  || fail "Chromium refused the page for another reason than an unknown root: $(tail -3 "$work/stranger/chromium.err")"
echo "PASS"
