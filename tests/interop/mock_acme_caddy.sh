#!/usr/bin/env bash
# Debian's Caddy (2.6, whose certificates come from certmagic and its ACME
# client acmez) gets certificates from mock-acme with external account
# binding required, one site by http-01 and one by tls-alpn-01 with an RSA
# key, each answered by Caddy itself, and serves them: the sites verify
# against mock-acme's /roots/0 and the certificates are the ones mock-acme
# issued. Then renewal, by mock-acme's clock: set 89 days back, its 90-day
# certificates have a day left by Caddy's, which renews them; moved back to
# the present, the next renewal gives 90 days. Caddy
# listens on 127.0.0.1 alone, keeps its state under the test's directory and
# has no admin endpoint.
MOCK_ACME=$1
source "$(dirname "$0")/lib.sh"
command -v caddy >/dev/null || fail "caddy is not installed (scripts/install-deps.sh --test installs it)"
command -v curl >/dev/null || fail "curl is not installed (scripts/install-deps.sh --test installs it)"

HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
EAB_KEY=$(random_key)
start_mock_acme --http01-port "$HTTP_PORT" --tls01-port "$TLS_PORT" --eab-required --eab "kid-1=$EAB_KEY"
http_get "$MGMT/roots/0" > "$work/root0.pem"
# time_travel SECONDS: moves mock-acme's clock
time_travel() { http_post "$MGMT/time-travel" "{\"advanceSeconds\": $1}"; }
DAY=86400
time_travel $((-89 * DAY))

# site NAME CHALLENGE-TO-DISABLE KEY-TYPE BODY
site() {
  cat <<SITE
$1 {
	bind 127.0.0.1
	respond "$4"
	tls {
		key_type $3
		issuer acme {
			dir $DIR
			trusted_roots $HTTPS_CA
			email caddy@example.com
			eab kid-1 $EAB_KEY
			$2
		}
	}
}
SITE
}
{
  cat <<GLOBAL
{
	admin off
	http_port $HTTP_PORT
	https_port $TLS_PORT
	storage file_system $work/caddy-storage
	skip_install_trust
	ocsp_stapling off
	renew_interval 1s
}
GLOBAL
  site http.caddy.example.test disable_tlsalpn_challenge p256 "hello over http-01"
  site alpn.caddy.example.test disable_http_challenge rsa2048 "hello over tls-alpn-01"
} > "$work/Caddyfile"
mkdir -p "$work/caddy-home"
HOME="$work/caddy-home" XDG_DATA_HOME="$work/caddy-home" XDG_CONFIG_HOME="$work/caddy-home" \
  caddy run --config "$work/Caddyfile" --adapter caddyfile > "$work/caddy.log" 2>&1 &
pids+=($!)

# get NAME: the site's body over HTTPS, verified against mock-acme's root alone
get() {
  curl -sS --max-time 10 --resolve "$1:$TLS_PORT:127.0.0.1" --cacert "$work/root0.pem" "https://$1:$TLS_PORT/"
}
for name in http.caddy.example.test alpn.caddy.example.test; do
  for _ in $(seq 1 120); do get "$name" > "$work/$name.body" 2> "$work/$name.err" && break; sleep 0.5; done
done

echo "== http-01: Caddy answers the challenge on mock-acme's http-01 port, P-256"
[ "$(cat "$work/http.caddy.example.test.body")" = "hello over http-01" ] ||
  fail "the http-01 site: $(cat "$work/http.caddy.example.test.err" "$work/http.caddy.example.test.body")"
grep -q '"msg":"served key authentication","identifier":"http.caddy.example.test","challenge":"http-01"' "$work/caddy.log" ||
  fail "Caddy answered no http-01 challenge"

echo "== tls-alpn-01: Caddy answers the challenge on mock-acme's tls-alpn-01 port, RSA 2048"
[ "$(cat "$work/alpn.caddy.example.test.body")" = "hello over tls-alpn-01" ] ||
  fail "the tls-alpn-01 site: $(cat "$work/alpn.caddy.example.test.err" "$work/alpn.caddy.example.test.body")"
grep -q '"msg":"served key authentication certificate","server_name":"alpn.caddy.example.test","challenge":"tls-alpn-01"' "$work/caddy.log" ||
  fail "Caddy answered no tls-alpn-01 challenge"

echo "== the certificates served are mock-acme's, for their names, valid"
for site in http:P-256 alpn:RSA; do
  name=${site%%:*}.caddy.example.test
  echo | openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername "$name" 2>/dev/null | openssl x509 > "$work/$name.pem" ||
    fail "no certificate served for $name"
  openssl x509 -in "$work/$name.pem" -noout -text > "$work/$name.txt"
  grep -q "DNS:$name" "$work/$name.txt" || fail "$name is not named in its certificate"
  case ${site##*:} in
    P-256) grep -q "NIST CURVE: P-256" "$work/$name.txt" || fail "$name: not a P-256 key" ;;
    RSA) grep -q "Public-Key: (2048 bit)" "$work/$name.txt" || fail "$name: not an RSA 2048 key" ;;
  esac
  serial=$(openssl x509 -in "$work/$name.pem" -noout -serial | cut -d= -f2)
  http_get "$MGMT/cert-status-by-serial/$serial" | grep -q '"Status":"Valid"' || fail "$name: mock-acme did not issue $serial"
  # issued 89 days back by mock-acme's clock: a day left by Caddy's
  if openssl x509 -in "$work/$name.pem" -noout -checkend $((2 * DAY)) > /dev/null; then fail "$name: more than two days left"; fi
done
# Caddy registered with the binding mock-acme requires: no other way to an account
grep -q '"msg":"certificate obtained successfully","identifier":"http.caddy.example.test"' "$work/caddy.log" ||
  fail "Caddy does not say it obtained the certificate"

echo "== renewal: Caddy renews what has a day left; with mock-acme's clock back, it gets 90 days"
renewed='"msg":"certificate renewed successfully","identifier":"http.caddy.example.test"'
for _ in $(seq 1 120); do grep -q "$renewed" "$work/caddy.log" && break; sleep 0.5; done
grep -q "$renewed" "$work/caddy.log" || fail "Caddy renewed nothing"
time_travel $((89 * DAY))
for name in http.caddy.example.test alpn.caddy.example.test; do
  for _ in $(seq 1 120); do
    echo | openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername "$name" 2>/dev/null | openssl x509 > "$work/$name.renewed.pem" 2> /dev/null &&
      openssl x509 -in "$work/$name.renewed.pem" -noout -checkend $((80 * DAY)) > /dev/null && break
    sleep 0.5
  done
  openssl x509 -in "$work/$name.renewed.pem" -noout -checkend $((80 * DAY)) > /dev/null || fail "$name: not renewed for 90 days"
  get "$name" > /dev/null || fail "$name: the renewed certificate does not verify"
  serial=$(openssl x509 -in "$work/$name.renewed.pem" -noout -serial | cut -d= -f2)
  http_get "$MGMT/cert-status-by-serial/$serial" | grep -q '"Status":"Valid"' || fail "$name: mock-acme did not issue $serial"
done
echo "PASS"
