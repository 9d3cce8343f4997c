#!/usr/bin/env bash
# The account's whole life, as Debian's certbot and lego live it against
# mock-acme with external account binding required: register with and
# without a binding, RSA and P-384 certificate keys, contact update,
# renewal, revocation with a reason, deactivation; lego under changed terms of service.
MOCK_ACME=$1
source "$(dirname "$0")/lib.sh"
command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps.sh --test installs it)"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps.sh --test installs it)"

HTTP_PORT=$(free_port)
# base64url keys may begin with "-": always pass them as --flag=VALUE, never as a separate argument
EAB_KEY=$(random_key)
start_mock_acme --http01-port "$HTTP_PORT" --eab-required --eab "kid-1=$EAB_KEY"
http_get "$MGMT/roots/0" > "$work/root0.pem"
status_of() {  # SERIAL (openssl's hex) -> mock-acme's status document
  http_get "$MGMT/cert-status-by-serial/$1"
}
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

cb=(--non-interactive --server "$DIR" --config-dir "$work/certbot/config" --work-dir "$work/certbot/work"
    --logs-dir "$work/certbot/logs")
certbot_() { REQUESTS_CA_BUNDLE="$HTTPS_CA" certbot "$@"; }

echo "== certbot: no binding, refused with externalAccountRequired"
if certbot_ register "${cb[@]}" --agree-tos -m first@example.com > "$work/certbot-noeab.log" 2>&1; then
  fail "registered without external account binding"
fi
grep -q "externalAccountRequired\|external account binding" "$work/certbot-noeab.log" "$work/certbot/logs/letsencrypt.log" \
  || fail "certbot's refusal does not name external account binding"

echo "== certbot: a binding under the wrong key is refused"
WRONG_KEY=$(random_key)
if certbot_ register "${cb[@]}" --agree-tos -m first@example.com --eab-kid kid-1 --eab-hmac-key="$WRONG_KEY" \
  > "$work/certbot-badeab.log" 2>&1; then fail "registered with a wrong EAB key"; fi
grep -q "error:unauthorized.*externalAccountBinding signature is invalid" "$work/certbot/logs/letsencrypt.log" \
  || fail "a wrong EAB key is not refused as unauthorized"

echo "== certbot: register with the binding, RSA 3072 certificate key"
certbot_ register "${cb[@]}" --agree-tos -m first@example.com --eab-kid kid-1 --eab-hmac-key="$EAB_KEY" \
  > "$work/certbot-register.log" 2>&1 || fail "certbot register failed"
certbot_ certonly "${cb[@]}" --standalone --http-01-port "$HTTP_PORT" -d rsa.accounts.example.test \
  --key-type rsa --rsa-key-size 3072 > "$work/certbot-rsa.log" 2>&1 || fail "certbot (RSA 3072) failed"
live="$work/certbot/config/live/rsa.accounts.example.test"
verify_chain "$live/cert.pem" "$live/chain.pem" "$work/root0.pem"
openssl x509 -in "$live/cert.pem" -noout -text | grep -q "Public-Key: (3072 bit)" || fail "not a 3072-bit RSA certificate"
first_serial=$(serial_of "$live/cert.pem")

echo "== certbot: contact update"
certbot_ update_account "${cb[@]}" -m second@example.org > "$work/certbot-update.log" 2>&1 || fail "update_account failed"
grep -q '"mailto:second@example.org"' "$work/certbot/logs/letsencrypt.log" \
  || fail "mock-acme's answer to the update does not carry the new contact"

echo "== certbot: forced renewal gets a new certificate, the old one stays valid"
certbot_ renew "${cb[@]}" --force-renewal --no-random-sleep-on-renew --http-01-port "$HTTP_PORT" > "$work/certbot-renew.log" 2>&1 \
  || fail "certbot renew failed"
second_serial=$(serial_of "$live/cert.pem")
[ "$first_serial" != "$second_serial" ] || fail "renewal kept the serial $first_serial"
verify_chain "$live/cert.pem" "$live/chain.pem" "$work/root0.pem"
status_of "$first_serial" | grep -q '"Status":"Valid"' || fail "the renewed certificate is no longer valid"

echo "== certbot: revoke with reason keyCompromise"
certbot_ revoke "${cb[@]}" --cert-path "$live/cert.pem" --reason keycompromise --no-delete-after-revoke \
  > "$work/certbot-revoke.log" 2>&1 || fail "certbot revoke failed"
status_of "$second_serial" > "$work/status.json"
grep -q '"Status":"Revoked"' "$work/status.json" || fail "not revoked: $(cat "$work/status.json" | head -c 300)"
grep -q '"Reason":1' "$work/status.json" || fail "reason keyCompromise (1) not kept: $(head -c 300 "$work/status.json")"
if certbot_ revoke "${cb[@]}" --cert-path "$live/cert.pem" --reason keycompromise --no-delete-after-revoke \
  > "$work/certbot-revoke2.log" 2>&1; then fail "revoked twice"; fi
grep -q "alreadyRevoked" "$work/certbot/logs/letsencrypt.log" || fail "a second revocation is not alreadyRevoked"

echo "== certbot: deactivate the account; its key is refused afterwards"
cp -a "$work/certbot/config/accounts" "$work/accounts-kept"
certbot_ unregister "${cb[@]}" > "$work/certbot-unregister.log" 2>&1 || fail "certbot unregister failed"
rm -rf "$work/certbot/config/accounts"
cp -a "$work/accounts-kept" "$work/certbot/config/accounts"  # certbot forgets it; the server must not
if certbot_ certonly "${cb[@]}" --standalone --http-01-port "$HTTP_PORT" -d after.accounts.example.test \
  > "$work/certbot-after.log" 2>&1; then fail "a deactivated account got a certificate"; fi
grep -q "error:unauthorized.*the account is deactivated" "$work/certbot/logs/letsencrypt.log" \
  || fail "the deactivated account is not refused as unauthorized"

echo "== lego: the same binding key (it binds any number of accounts), RSA 2048, then renew"
lg=(--server "$DIR" --accept-tos --email lego@example.com --path "$work/lego" --eab --kid kid-1 --hmac="$EAB_KEY"
    --key-type rsa2048 --domains lego.accounts.example.test --http --http.port "127.0.0.1:$HTTP_PORT")
LEGO_CA_CERTIFICATES="$HTTPS_CA" lego "${lg[@]}" run > "$work/lego-run.log" 2>&1 || fail "lego (EAB, RSA 2048) failed"
crt="$work/lego/certificates/lego.accounts.example.test.crt"
verify_chain "$crt" "$work/lego/certificates/lego.accounts.example.test.issuer.crt" "$work/root0.pem"
openssl x509 -in "$crt" -noout -text | grep -q "Public-Key: (2048 bit)" || fail "not a 2048-bit RSA certificate"
lego_first=$(serial_of "$crt")
# 90-day certificates are due within 100 days: lego renews now
LEGO_CA_CERTIFICATES="$HTTPS_CA" lego "${lg[@]}" renew --days 100 --no-random-sleep > "$work/lego-renew.log" 2>&1 || fail "lego renew failed"
[ "$(serial_of "$crt")" != "$lego_first" ] || fail "lego renew kept the serial"
verify_chain "$crt" "$work/lego/certificates/lego.accounts.example.test.issuer.crt" "$work/root0.pem"

echo "== lego: a P-384 certificate key"
LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email lego@example.com --path "$work/lego" \
  --eab --kid kid-1 --hmac="$EAB_KEY" --key-type ec384 --domains p384.accounts.example.test \
  --http --http.port "127.0.0.1:$HTTP_PORT" run > "$work/lego-p384.log" 2>&1 || fail "lego (P-384) failed"
openssl x509 -in "$work/lego/certificates/p384.accounts.example.test.crt" -noout -text | grep -q "NIST CURVE: P-384" \
  || fail "not a P-384 certificate"

echo "== lego: changed terms of service are refused until a person agrees at the page the error names"
http_post "$MGMT/set-terms-of-service" '{"url":"https://127.0.0.1/terms/v2"}' || fail "set-terms-of-service"
lt=(--server "$DIR" --accept-tos --email lego@example.com --path "$work/lego" --eab --kid kid-1 --hmac="$EAB_KEY"
    --domains terms.accounts.example.test --http --http.port "127.0.0.1:$HTTP_PORT")
if LEGO_CA_CERTIFICATES="$HTTPS_CA" lego "${lt[@]}" run > "$work/lego-terms.log" 2>&1; then
  fail "lego got a certificate under terms its account has not agreed to"
fi
grep -q "userActionRequired" "$work/lego-terms.log" || fail "lego did not report userActionRequired"
page=$(grep -o "https://[^ ,\"]*/terms-agreement/[A-Za-z0-9_-]*" "$work/lego-terms.log" | head -1)
[ -n "$page" ] || fail "lego's error does not name the agreement page"
curl -sf --cacert "$HTTPS_CA" -X POST "$page" > /dev/null || fail "agreeing at $page failed"
LEGO_CA_CERTIFICATES="$HTTPS_CA" lego "${lt[@]}" run > "$work/lego-terms.log" 2>&1 || fail "lego failed after agreeing"
verify_chain "$work/lego/certificates/terms.accounts.example.test.crt" \
  "$work/lego/certificates/terms.accounts.example.test.issuer.crt" "$work/root0.pem"

echo "PASS"
