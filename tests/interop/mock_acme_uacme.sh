#!/usr/bin/env bash
# Debian's uacme (C, libcurl and GnuTLS) against mock-acme, with external
# account binding required: a client of its own habits, and the only one in
# the suite that rolls its account key over (keyChange) and revokes with the
# certificate's own key. http-01 from a directory a web server serves,
# tls-alpn-01 through ualpn (uacme's own responder, GnuTLS), RSA and EC keys,
# the alternate chain, OCSP Must-Staple refused, contact update,
# deactivation. Every chain verifies against mock-acme's roots.
#
# uacme trusts nothing but the system store (/etc/ssl/certs), so each uacme
# runs in a mount namespace of its own (unshare) where that directory holds
# mock-acme's HTTPS CA alone; nothing outside the test changes.
MOCK_ACME=$1
source "$(dirname "$0")/lib.sh"
command -v uacme >/dev/null || fail "uacme is not installed (scripts/install-deps.sh --test installs it)"
command -v ualpn >/dev/null || fail "ualpn is not installed (it comes with uacme)"

if ! private_mounts; then
  echo "SKIPPED: no mount namespace to give uacme a CA store of its own (unshare -rm, or unshare -m as root)"
  exit 77
fi

HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
EAB_KEY=$(random_key)
# uacme polls a processing challenge every 5 s whatever Retry-After says:
# --challenge-wait-ms has the challenge's POST answered with the outcome
start_mock_acme --http01-port "$HTTP_PORT" --tls01-port "$TLS_PORT" --eab-required --eab "kid-1=$EAB_KEY" \
  --challenge-wait-ms 2000
http_get "$MGMT/roots/0" > "$work/root0.pem"
http_get "$MGMT/roots/1" > "$work/root1.pem"
mkdir -p "$work/certs"
cp "$HTTPS_CA" "$work/certs/ca-certificates.crt"

# http-01 files in a directory a web server serves; tls-alpn-01 by ualpn,
# told of each key authorization over its control socket
www="$work/www"
mkdir -p "$www/.well-known/acme-challenge"
(cd "$www" && exec python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 > "$work/www.log" 2>&1) &
pids+=($!)
# non-ACME connections would be proxied to -c: a port nobody listens on
ualpn -b "127.0.0.1@$TLS_PORT" -c "127.0.0.1@$(free_port)" -s "$work/ualpn.sock" -v > "$work/ualpn.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
  python3 -c "import socket; [socket.create_connection(('127.0.0.1', p), 1) for p in ($HTTP_PORT, $TLS_PORT)]" 2>/dev/null && break
  sleep 0.1
done

# uacme's hook: METHOD TYPE IDENT TOKEN AUTH. It answers the one challenge
# type named in $work/challenge and declines the others (exit 1).
cat > "$work/hook.sh" <<HOOK
#!/bin/sh
[ "\$2" = "\$(cat "$work/challenge")" ] || exit 1
case "\$2:\$1" in
  http-01:begin) printf '%s' "\$5" > "$www/.well-known/acme-challenge/\$4" ;;
  http-01:*) rm -f "$www/.well-known/acme-challenge/\$4" ;;
  tls-alpn-01:begin) [ "\$(echo "auth \$3 \$5" | ualpn -s "$work/ualpn.sock")" = OK ] ;;
  tls-alpn-01:*) [ "\$(echo "unauth \$3" | ualpn -s "$work/ualpn.sock")" = OK ] ;;
  *) exit 1 ;;
esac
HOOK
chmod +x "$work/hook.sh"
echo http-01 > "$work/challenge"

# uacme CONFDIR ARGS...: one run, its store of trust mock-acme's HTTPS CA alone
uacme_in() {
  local confdir=$1
  shift
  with_ca_store "$work/certs" uacme -y -a "$DIR" -c "$confdir" -h "$work/hook.sh" "$@"
}
conf="$work/uacme"
u() { uacme_in "$conf" "$@"; }

echo "== no binding: uacme reads externalAccountRequired in the directory and stops"
if u new uacme@example.com > "$work/no-eab.log" 2>&1; then fail "an account without a binding was made"; fi
grep -q "requires external credentials" "$work/no-eab.log" || fail "not refused for the binding: $(cat "$work/no-eab.log")"

echo "== a binding under the wrong key is refused"
if u -e "kid-1:$(random_key)" \
    new uacme@example.com > "$work/wrong-eab.log" 2>&1; then fail "a binding under the wrong key was accepted"; fi
grep -q "urn:ietf:params:acme:error:unauthorized" "$work/wrong-eab.log" || fail "wrong binding: $(cat "$work/wrong-eab.log")"

echo "== register with the binding (RSA 2048 account key, uacme's), then change the contact"
u -e "kid-1:$EAB_KEY" new uacme@example.com > "$work/new.log" 2>&1 || fail "uacme new failed"
u update other@example.com > "$work/update.log" 2>&1 || fail "uacme update failed"
# -vv prints the account as the server gives it (newAccount with onlyReturnExisting)
u -vv update other@example.com > "$work/update2.log" 2>&1 || fail "uacme update failed"
grep -q '"mailto:other@example.com"' "$work/update2.log" || fail "the contact was not changed"
grep -q '"mailto:uacme@example.com"' "$work/update2.log" && fail "the old contact is still there"

echo "== http-01, P-256, two names"
u -t EC issue www.uacme.example.test uacme.example.test > "$work/ec.log" 2>&1 || fail "uacme issue (EC) failed"
cert="$conf/www.uacme.example.test/cert.pem"
verify_chain "$cert" "$cert" "$work/root0.pem"
openssl x509 -in "$cert" -noout -text > "$work/ec.txt"
grep -q "NIST CURVE: P-256" "$work/ec.txt" || fail "not a P-256 certificate"
for name in www.uacme.example.test uacme.example.test; do
  grep -q "DNS:$name\(,\|$\)" "$work/ec.txt" || fail "$name is not named: $(grep DNS: "$work/ec.txt")"
done

echo "== tls-alpn-01 through ualpn, RSA 3072"
echo tls-alpn-01 > "$work/challenge"
u -t RSA -b 3072 issue alpn.uacme.example.test > "$work/alpn.log" 2>&1 || fail "uacme issue (tls-alpn-01) failed"
grep -q "acme-tls/1 handshake with auth .* for alpn.uacme.example.test completed" "$work/ualpn.log" ||
  fail "ualpn answered no acme-tls/1 handshake: $(tail -5 "$work/ualpn.log")"
cert="$conf/alpn.uacme.example.test/cert.pem"
verify_chain "$cert" "$cert" "$work/root0.pem"
openssl x509 -in "$cert" -noout -text | grep -q "Public-Key: (3072 bit)" || fail "not an RSA 3072 certificate"
echo http-01 > "$work/challenge"

echo "== P-384, the alternate chain (-l 1: Link rel=\"alternate\")"
u -v -t EC -b 384 -l 1 issue alt.uacme.example.test > "$work/alt.log" 2>&1 || fail "uacme issue (alternate chain) failed"
grep -q "retrieving alternate certificate" "$work/alt.log" || fail "uacme found no alternate chain"
cert="$conf/alt.uacme.example.test/cert.pem"
verify_chain "$cert" "$cert" "$work/root1.pem"
if openssl verify -partial_chain -CAfile "$work/root0.pem" -untrusted "$cert" "$cert" > /dev/null 2>&1; then
  fail "the alternate chain verifies against the default root"
fi
openssl x509 -in "$cert" -noout -text | grep -q "NIST CURVE: P-384" || fail "not a P-384 certificate"

echo "== OCSP Must-Staple (-m) is refused with badCSR, as Let's Encrypt refuses it"
if u -t EC -m issue staple.uacme.example.test > "$work/staple.log" 2>&1; then fail "a Must-Staple certificate was issued"; fi
grep -q "urn:ietf:params:acme:error:badCSR" "$work/staple.log" || fail "Must-Staple: $(tail -8 "$work/staple.log")"
grep -q "OCSP Must-Staple" "$work/staple.log" || fail "the refusal does not say why: $(tail -8 "$work/staple.log")"
[ ! -e "$conf/staple.uacme.example.test/cert.pem" ] || fail "a certificate was saved"
# and the program says which values --must-staple takes
rc=0
"$MOCK_ACME" --must-staple ignore > "$work/flag.out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "--must-staple ignore: exit $rc, not 2"
grep -q '^mock-acme: --must-staple takes refuse or copy, not "ignore"$' "$work/flag.out" || fail "--must-staple ignore: $(head -1 "$work/flag.out")"

echo "== revoke with the certificate's own key (a JWS with its jwk), reason keyCompromise"
cert="$conf/www.uacme.example.test/cert.pem"
serial=$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2)
u -r 1 revoke "$cert" "$conf/private/www.uacme.example.test/key.pem" > "$work/revoke.log" 2>&1 || fail "uacme revoke failed"
status=$(http_get "$MGMT/cert-status-by-serial/$serial")
echo "$status" | grep -q '"Status":"Revoked"' || fail "not revoked: $status"
echo "$status" | grep -q '"Reason":1' || fail "not revoked for keyCompromise: $status"

echo "== keyChange (uacme newkey): the old key is refused, the new one works"
cp -a "$conf" "$work/uacme-old"
u newkey > "$work/newkey.log" 2>&1 || fail "uacme newkey failed"
cmp -s "$conf/private/key.pem" "$work/uacme-old/private/key.pem" && fail "the account key did not change"
if uacme_in "$work/uacme-old" -t EC issue old.uacme.example.test > "$work/old-key.log" 2>&1; then fail "the old account key still works"; fi
grep -q "no account associated" "$work/old-key.log" || fail "old key: $(tail -5 "$work/old-key.log")"
u -t EC issue new.uacme.example.test > "$work/new-key.log" 2>&1 || fail "the new account key does not work"
verify_chain "$conf/new.uacme.example.test/cert.pem" "$conf/new.uacme.example.test/cert.pem" "$work/root0.pem"

echo "== deactivate the account; its key is refused afterwards"
u deactivate > "$work/deactivate.log" 2>&1 || fail "uacme deactivate failed"
if u -t EC issue after.uacme.example.test > "$work/after.log" 2>&1; then fail "a deactivated account got a certificate"; fi
grep -q "urn:ietf:params:acme:error:unauthorized" "$work/after.log" || fail "deactivated account: $(tail -8 "$work/after.log")"
echo "PASS"
