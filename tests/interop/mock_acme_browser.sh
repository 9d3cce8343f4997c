#!/usr/bin/env bash
# A browser's ACME client against mock-acme. Headless Chromium (Debian's) opens a page
# whose own JavaScript speaks RFC 8555 (browser/acme_client.html: WebCrypto ES256, fetch),
# served from another origin than the CA's, as the web pages that get their users a
# certificate are. The browser enforces CORS: it hands the page an answer, and its
# Replay-Nonce, Location and Link headers, only as mock-acme's CORS headers allow. It
# trusts mock-acme's HTTPS certificate through its own certificate database (certutil), as
# a user adds a root, not by a flag that turns the checks off.
#   - by default (any origin), and with --cors-origin naming the page's origin, the page
#     orders, answers http-01 through its server (which mock-acme asks, for real),
#     finalizes and downloads a chain that verifies against mock-acme's root;
#   - with --cors-origin naming another origin, and with --no-cors, the browser withholds
#     the first answer from the page ("Failed to fetch"), and it gets nowhere.
# Chromium reaches out to its vendor's services unless told not to; so that nothing leaves
# the machine whatever it tries, the whole test runs in a network namespace of its own,
# with only its own loopback (unshare), as the acmetool test does.
MOCK_ACME=$1
source "$(dirname "$0")/namespaces.sh"
own_namespaces net "the browser" "$@"
source "$(dirname "$0")/lib.sh"
need_browser
here=$(cd "$(dirname "$0")" && pwd)

PAGE_PORT=$(free_port)
HTTP_PORT=$(free_port)
PAGE_ORIGIN="http://127.0.0.1:$PAGE_PORT"
python3 "$here/browser/page_server.py" "$PAGE_PORT" "$HTTP_PORT" "$here/browser/acme_client.html" "$work/csr.b64u" \
  "$work/result.json" > "$work/page.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^ready' "$work/page.log" 2>/dev/null && break; sleep 0.1; done
grep -q '^ready' "$work/page.log" || fail "the page server did not start"

# in_browser LABEL NAME: the page, in a fresh headless Chromium, orders NAME from $DIR; its
# outcome (JSON) is left in $work/LABEL.json
in_browser() {
  local label=$1 name=$2
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/$label.key" -subj "/CN=$name" \
    -addext "subjectAltName=DNS:$name" -outform DER 2> "$work/openssl.err" | basenc --base64url -w0 | tr -d '=' > "$work/csr.b64u"
  rm -f "$work/result.json"
  # the browser trusts the CA that signed mock-acme's HTTPS certificate, as a user adds a root
  browser_trusts "$work/home-$label" "$HTTPS_CA" "mock-acme HTTPS CA"
  HOME="$work/home-$label" timeout 120 chromium "${CHROMIUM_FLAGS[@]}" --user-data-dir="$work/chromium-$label" \
    "$PAGE_ORIGIN/acme_client.html?directory=$DIR&name=$name" > "$work/chromium-$label.out" 2>&1 &
  local browser=$!
  for _ in $(seq 1 600); do [ -f "$work/result.json" ] && break; sleep 0.1; done
  kill "$browser" 2>/dev/null || true
  wait "$browser" 2>/dev/null || true
  [ -f "$work/result.json" ] || fail "$label: the page reported nothing within 60 s: $(tail -5 "$work/chromium-$label.out")"
  mv "$work/result.json" "$work/$label.json"
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/$1.json" "$2"; }

# issued LABEL NAME: the page got a certificate for NAME, whose chain verifies under mock-acme's root
issued() {
  local label=$1 name=$2
  [ "$(field "$label" ok)" = True ] || fail "$label: the page did not get its certificate: $(field "$label" error) (steps: $(field "$label" steps))"
  field "$label" chain > "$work/$label-chain.pem"
  awk '/BEGIN CERT/{n++} n==1' "$work/$label-chain.pem" > "$work/$label-leaf.pem"
  awk '/BEGIN CERT/{n++} n>1' "$work/$label-chain.pem" > "$work/$label-issuers.pem"
  http_get "$MGMT/roots/0" > "$work/$label-root.pem"
  verify_chain "$work/$label-leaf.pem" "$work/$label-issuers.pem" "$work/$label-root.pem"
  openssl x509 -in "$work/$label-leaf.pem" -noout -ext subjectAltName | grep -qF "DNS:$name" || fail "$label: the leaf does not name $name"
  openssl x509 -in "$work/$label-leaf.pem" -noout -pubkey > "$work/$label-leaf.pub"
  openssl pkey -in "$work/$label.key" -pubout > "$work/$label-own.pub"
  cmp -s "$work/$label-leaf.pub" "$work/$label-own.pub" || fail "$label: the leaf is not for the CSR's key"
}

# withheld LABEL: the browser gave the page no answer from the CA
withheld() {
  local label=$1
  [ "$(field "$label" ok)" = False ] || fail "$label: the page got a certificate although the CA's CORS headers do not allow its origin"
  field "$label" error | grep -qF "Failed to fetch" || fail "$label: the page failed otherwise than by CORS: $(field "$label" error)"
  [ "$(field "$label" steps)" = "[]" ] || fail "$label: the page read answers: $(field "$label" steps)"
}

echo "== any origin, by default: the page orders, answers http-01 and gets its certificate"
start_mock_acme --http01-port "$HTTP_PORT"
in_browser any browser.example.test
issued any browser.example.test
echo "   $(field any steps | tr -d '\n')"

echo "== --cors-origin naming the page's origin: the same"
MOCK_ACME_NAME=listed start_mock_acme --http01-port "$HTTP_PORT" --cors-origin https://other.example.test --cors-origin "$PAGE_ORIGIN"
in_browser listed listed.browser.example.test
issued listed listed.browser.example.test

echo "== --cors-origin naming another origin: the browser withholds every answer"
MOCK_ACME_NAME=other start_mock_acme --http01-port "$HTTP_PORT" --cors-origin https://other.example.test
in_browser other other.browser.example.test
withheld other

echo "== --no-cors: the same"
MOCK_ACME_NAME=none start_mock_acme --http01-port "$HTTP_PORT" --no-cors
in_browser none none.browser.example.test
withheld none
echo "PASS"
