#!/usr/bin/env bash
# `cxxacme issue|list|renew|revoke|account` against the mock-acme program,
# with real http-01 and tls-alpn-01 validation.
CXXACME=$1
MOCK_ACME=$2
source "$(dirname "$0")/../interop/lib.sh"

HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
start_mock_acme --http01-port "$HTTP_PORT" --tls01-port "$TLS_PORT" --cert-lifetime 864000
http_get "$MGMT/roots/0" > "$work/root0.pem"
common=(--directory "$DIR" --ca-bundle "$work/https-ca.pem" --store "dir:$work/certs" --http-port "$HTTP_PORT" --tls-port "$TLS_PORT" --quiet)

echo "== issue over http-01, two entries"
"$CXXACME" issue "${common[@]}" --email ops@example.com a.example.test "b.example.test,www.b.example.test" \
  > "$work/issue.log" 2>&1 || fail "issue failed: $(cat "$work/issue.log")"
grep -q "issued a.example.test: valid until" "$work/issue.log" || fail "no report line"
[ "$(stat -c %a "$work/certs/client.key")" = 600 ] || fail "account key not 0600"
[ "$(stat -c %a "$work/certs/a.example.test.pem")" = 600 ] || fail "entry not 0600"
openssl verify -CAfile "$work/root0.pem" -untrusted <(sed -n '/BEGIN CERTIFICATE/,$p' "$work/certs/a.example.test.pem" | awk 'f;/END CERTIFICATE/{f=1}') \
  <(openssl x509 -in "$work/certs/a.example.test.pem") > /dev/null || fail "chain does not verify"

echo "== issue over tls-alpn-01, rsa2048"
"$CXXACME" issue "${common[@]}" --challenge tls-alpn-01 --key-type rsa2048 c.example.test > "$work/tls.log" 2>&1 \
  || fail "tls-alpn-01 issue failed: $(cat "$work/tls.log")"
openssl pkey -in "$work/certs/c.example.test.pem" -noout -text | grep -q "2048 bit" || fail "not an RSA-2048 key"

echo "== list"
"$CXXACME" list --store "dir:$work/certs" > "$work/list.log" || fail "list failed"
[ "$(wc -l < "$work/list.log")" = 3 ] || fail "list shows $(wc -l < "$work/list.log") entries"
grep -q "^b.example.test,www.b.example.test" "$work/list.log" || fail "list lacks the multi-name entry"

echo "== an internationalised name: given in U-labels, validated, issued and stored under its A-labels"
"$CXXACME" issue "${common[@]}" --challenge tls-alpn-01 "Bücher.example.test" > "$work/idn.log" 2>&1 \
  || fail "issue for a U-label name failed: $(cat "$work/idn.log")"
grep -q "issued xn--bcher-kva.example.test: valid until" "$work/idn.log" || fail "no report of the A-label name: $(cat "$work/idn.log")"
openssl x509 -in "$work/certs/xn--bcher-kva.example.test.pem" -noout -ext subjectAltName > "$work/idn.san" || fail "no entry under the A-label"
grep -q "DNS:xn--bcher-kva.example.test" "$work/idn.san" || fail "SAN is not the A-label: $(cat "$work/idn.san")"
# list names it by its A-labels, and as people write it in a last column
"$CXXACME" list --store "dir:$work/certs" > "$work/list.log" || fail "list failed"
grep -q "^xn--bcher-kva.example.test	.*	bücher.example.test$" "$work/list.log" || fail "list lacks the U-labels: $(cat "$work/list.log")"
[ "$(grep -c '	.*	.*	' "$work/list.log")" = 1 ] || fail "a name without A-labels got a fourth column: $(cat "$work/list.log")"
# an A-label IDNA2008 refuses (Boulder's case: Punycode of a string not in NFC) stops before any request
rc=0; "$CXXACME" issue "${common[@]}" "xn--109-3veba6djs1bfxlfmx6c9g.example.test" > /dev/null 2> "$work/err" || rc=$?
[ "$rc" -eq 2 ] || fail "a non-NFC A-label exited $rc, not 2"
grep -q "not in Unicode NFC" "$work/err" || fail "no reason for the A-label: $(cat "$work/err")"

echo "== renew: nothing due, then an empty entry and a due one (10-day certificates, 10 days on)"
"$CXXACME" renew "${common[@]}" | grep -q "nothing is due" || fail "renewed without need"
: > "$work/certs/d.example.test.pem"
"$CXXACME" renew "${common[@]}" > "$work/renew.log" 2>&1 || fail "renew failed: $(cat "$work/renew.log")"
grep -q "issued d.example.test" "$work/renew.log" || fail "empty entry not issued by renew"

echo "== an entry whose lock another process holds (flock(2), as a running cxxacme holds it): issue refuses it, renew skips it and renews the rest; let go, renew issues it"
: > "$work/certs/e.example.test.pem"
: > "$work/certs/g.example.test.pem"
lockfile="$work/certs/.e.example.test.lock"
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(600)' "$lockfile" > "$work/holder.out" &
holder=$!
pids+=($holder)
for _ in $(seq 1 200); do grep -q held "$work/holder.out" && break; sleep 0.05; done
grep -q held "$work/holder.out" || fail "the other process did not take $lockfile"
rc=0; "$CXXACME" issue "${common[@]}" e.example.test > /dev/null 2> "$work/err" || rc=$?
[ "$rc" -eq 1 ] || fail "issue of a locked entry exited $rc, not 1"
grep -q "issuing e.example.test failed: another process is issuing it" "$work/err" || fail "locked issue: $(cat "$work/err")"
"$CXXACME" renew "${common[@]}" > "$work/renew-lock.log" 2>&1 || fail "renew beside a held lock failed: $(cat "$work/renew-lock.log")"
grep -q "^skipped e.example.test: another process is issuing it" "$work/renew-lock.log" || fail "locked entry not skipped: $(cat "$work/renew-lock.log")"
grep -q "^issued g.example.test" "$work/renew-lock.log" || fail "the unlocked entry was not issued: $(cat "$work/renew-lock.log")"
[ ! -s "$work/certs/e.example.test.pem" ] || fail "a locked entry was written"
kill "$holder"; wait "$holder" 2>/dev/null || true
"$CXXACME" renew "${common[@]}" > "$work/renew-lock.log" 2>&1 || fail "renew after the lock went failed: $(cat "$work/renew-lock.log")"
grep -q "^issued e.example.test" "$work/renew-lock.log" || fail "the entry let go was not issued: $(cat "$work/renew-lock.log")"
[ ! -e "$lockfile" ] || fail "the lock file is left behind"

echo "== revoke"
serial=$(openssl x509 -in "$work/certs/c.example.test.pem" -noout -serial | cut -d= -f2)
# a reason that is none is refused before anything is asked: the certificate stays good
for bad in 7 11 -1 keycompromised ""; do
  if "$CXXACME" revoke "${common[@]}" --reason "$bad" c.example.test > "$work/revoke-bad.log" 2>&1; then
    fail "revoke with reason '$bad' succeeded"
  fi
  grep -q "revocation reason" "$work/revoke-bad.log" || fail "reason '$bad' refused without saying why: $(cat "$work/revoke-bad.log")"
done
http_get "$MGMT/cert-status-by-serial/$serial" | grep -q '"Valid"' || fail "a refused reason revoked the certificate"
# a reason by its RFC 5280 name, in any case, as certbot's --reason takes it
"$CXXACME" revoke "${common[@]}" --reason Superseded c.example.test > "$work/revoke.log" 2>&1 || fail "revoke failed: $(cat "$work/revoke.log")"
grep -q "^revoked c.example.test (serial $serial, reason 4 superseded)" "$work/revoke.log" || fail "revoke said: $(cat "$work/revoke.log")"
status=$(http_get "$MGMT/cert-status-by-serial/$serial")
echo "$status" | grep -q '"Revoked"' || fail "not revoked at the CA: $status"
echo "$status" | grep -q '"Reason" *: *4' || fail "not revoked for reason 4 at the CA: $status"

echo "== renew asks the CA's renewal information: the revoked certificate (its window: now) is renewed, the others are not"
"$CXXACME" renew "${common[@]}" > "$work/renew-ari.log" 2>&1 || fail "renew failed: $(cat "$work/renew-ari.log")"
grep -q "^renewed c.example.test: valid until" "$work/renew-ari.log" || fail "the revoked certificate was not renewed: $(cat "$work/renew-ari.log")"
[ "$(grep -c '^renewed\|^issued' "$work/renew-ari.log")" = 1 ] || fail "renew did more: $(cat "$work/renew-ari.log")"
[ "$(openssl x509 -in "$work/certs/c.example.test.pem" -noout -serial | cut -d= -f2)" != "$serial" ] || fail "c.example.test still holds the revoked certificate"

echo "== revoke --replace: revoked, and its replacement issued in the same command (a CA without renewal information would leave it to the lifetime rule)"
serial=$(openssl x509 -in "$work/certs/a.example.test.pem" -noout -serial | cut -d= -f2)
"$CXXACME" revoke "${common[@]}" --reason superseded --replace a.example.test > "$work/revoke-replace.log" 2>&1 \
  || fail "revoke --replace failed: $(cat "$work/revoke-replace.log")"
grep -q "^revoked a.example.test (serial $serial, reason 4 superseded)" "$work/revoke-replace.log" || fail "revoke said: $(cat "$work/revoke-replace.log")"
grep -q "^issued a.example.test: valid until" "$work/revoke-replace.log" || fail "no replacement: $(cat "$work/revoke-replace.log")"
http_get "$MGMT/cert-status-by-serial/$serial" | grep -q '"Revoked"' || fail "not revoked at the CA"
[ "$(openssl x509 -in "$work/certs/a.example.test.pem" -noout -serial | cut -d= -f2)" != "$serial" ] || fail "a.example.test still holds the revoked certificate"

echo "== revoke with the certificate's own key, for an account key that is lost: no account read, found or made"
serial=$(openssl x509 -in "$work/certs/d.example.test.pem" -noout -serial | cut -d= -f2)
"$CXXACME" revoke "${common[@]}" --account-key "$work/lost/account.key" --with-certificate-key --reason keyCompromise \
  d.example.test > "$work/revoke-key.log" 2>&1 || fail "revoke with the certificate's key failed: $(cat "$work/revoke-key.log")"
grep -q "^revoked d.example.test (serial $serial, reason 1 keyCompromise, signed with the certificate's key)" "$work/revoke-key.log" \
  || fail "revoke said: $(cat "$work/revoke-key.log")"
[ ! -e "$work/lost" ] || fail "an account key was made for a revocation that needs none"
status=$(http_get "$MGMT/cert-status-by-serial/$serial")
echo "$status" | grep -q '"Revoked"' || fail "not revoked at the CA: $status"
echo "$status" | grep -q '"Reason" *: *1' || fail "not revoked for keyCompromise at the CA: $status"

echo "== account"
"$CXXACME" account "${common[@]}" show | grep -q "contact mailto:ops@example.com" || fail "account show"
"$CXXACME" account "${common[@]}" update --email new@example.com | grep -q "mailto:new@example.com" || fail "account update"
old=$(sha256sum < "$work/certs/client.key")
"$CXXACME" account "${common[@]}" roll-key > /dev/null || fail "roll-key failed"
[ "$(sha256sum < "$work/certs/client.key")" != "$old" ] || fail "key file not replaced"
"$CXXACME" account "${common[@]}" show | grep -q "status  valid" || fail "new key does not find the account"
"$CXXACME" account "${common[@]}" show > "$work/terms.log" || fail "account show failed"
grep -q "^terms   agreed to https://" "$work/terms.log" || fail "account show does not report the terms: $(cat "$work/terms.log")"

echo "== changed terms of service: issue refused, saying where a person agrees; agreed there, issue goes on"
http_post "$MGMT/set-terms-of-service" '{"url":"https://127.0.0.1/terms/v2"}' || fail "set-terms-of-service"
"$CXXACME" account "${common[@]}" show > "$work/terms.log" || fail "account show failed"
grep -q "^terms   not agreed to https://127.0.0.1/terms/v2$" "$work/terms.log" || fail "changed terms not reported: $(cat "$work/terms.log")"
if "$CXXACME" issue "${common[@]}" t.example.test > "$work/terms-issue.log" 2>&1; then fail "issued under terms not agreed to"; fi
grep -q "userActionRequired" "$work/terms-issue.log" || fail "no userActionRequired: $(cat "$work/terms-issue.log")"
grep -q "terms of service: https://127.0.0.1/terms/v2" "$work/terms-issue.log" || fail "the terms not named: $(cat "$work/terms-issue.log")"
agree=$(grep -o "a person agrees at https://[^ ;)]*" "$work/terms-issue.log" | head -1 | sed 's/^a person agrees at //')
[ -n "$agree" ] || fail "where to agree not named: $(cat "$work/terms-issue.log")"
curl -sf --cacert "$work/https-ca.pem" -X POST "$agree" > /dev/null || fail "agreeing at $agree failed"
"$CXXACME" issue "${common[@]}" t.example.test > "$work/terms-issue.log" 2>&1 || fail "issue after agreeing failed: $(cat "$work/terms-issue.log")"
"$CXXACME" account "${common[@]}" deactivate | grep -q "deactivated" || fail "deactivate"

echo "== the same with --store sqlite:FILE"
sq=(--directory "$DIR" --ca-bundle "$work/https-ca.pem" --store "sqlite:$work/sq/certs.sqlite" --http-port "$HTTP_PORT" --quiet)
mkdir -p "$work/sq"
"$CXXACME" issue "${sq[@]}" s.example.test > "$work/sq.log" 2>&1 || fail "sqlite issue failed: $(cat "$work/sq.log")"
[ "$(stat -c %a "$work/sq/certs.sqlite")" = 600 ] || fail "sqlite file not 0600"
[ -f "$work/sq/client.key" ] || fail "no account key beside the sqlite file"
"$CXXACME" list --store "sqlite:$work/sq/certs.sqlite" | grep -q "^s.example.test" || fail "sqlite list"

echo "== errors: one clear line and exit codes"
set +e
"$CXXACME" issue "${common[@]}" "../etc" > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "bad name did not exit 2"
grep -q "path separator" "$work/err" || fail "unclear name error"
"$CXXACME" issue --store "dir:$work/certs" x.example.test > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "missing --directory did not exit 2"
"$CXXACME" list --store "ftp:x" > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "bad store spec did not exit 2"
"$CXXACME" issue "${common[@]}" z.example.test > /dev/null 2> "$work/err"; [ $? -eq 1 ] || fail "deactivated account did not exit 1"
grep -q "urn:ietf:params:acme:error:unauthorized" "$work/err" || fail "ACME problem not shown: $(cat "$work/err")"
set -e

echo "== profiles: tlsserver gives 45-day certificates, shortlived 160-hour ones (as Let's Encrypt's today)"
span_hours() {
  local from to
  from=$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)
  to=$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)
  echo $(( ($(date -d "$to" +%s) - $(date -d "$from" +%s)) / 3600 ))
}
pr=(--directory "$DIR" --ca-bundle "$work/https-ca.pem" --store "dir:$work/pr" --http-port "$HTTP_PORT" --quiet)
"$CXXACME" issue "${pr[@]}" --profile tlsserver t.example.test > "$work/pr.log" 2>&1 || fail "tlsserver issue failed: $(cat "$work/pr.log")"
[ "$(span_hours "$work/pr/t.example.test.pem")" = $((45 * 24)) ] || fail "tlsserver: $(span_hours "$work/pr/t.example.test.pem") hours"
"$CXXACME" issue "${pr[@]}" --profile shortlived s.example.test > "$work/pr.log" 2>&1 || fail "shortlived issue failed: $(cat "$work/pr.log")"
[ "$(span_hours "$work/pr/s.example.test.pem")" = 160 ] || fail "shortlived: $(span_hours "$work/pr/s.example.test.pem") hours"

echo "== a CA started with --max-names 2 (and its own order and authorization windows, failed-validation and duplicate limits, pebble's CSR, ARI, identifier and redirect rules, and no order reuse) refuses a 3-name order"
MOCK_ACME_NAME=narrow start_mock_acme --http01-port "$HTTP_PORT" --max-names 2 --order-lifetime 1200 --authz-lifetime 600 \
  --failed-authz-limit 5/600 --duplicate-limit 5/86400 --authz-reuse 100 --authz-reuse-rules pebble \
  --valid-authz-lifetime 900 --csr-rules pebble --ari-rules pebble --no-order-reuse \
  --identifier-rules pebble --validation-rules pebble
nw=(--directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/nw" --http-port "$HTTP_PORT" --quiet)
"$CXXACME" issue "${nw[@]}" "n1.example.test,n2.example.test" > "$work/nw.log" 2>&1 || fail "2 names refused: $(cat "$work/nw.log")"
set +e
"$CXXACME" issue "${nw[@]}" "n1.example.test,n2.example.test,n3.example.test" > /dev/null 2> "$work/err"
[ $? -eq 1 ] || fail "3 names did not exit 1"
grep -q 'urn:ietf:params:acme:error:malformed.*"classic" may have at most 2 identifiers, not 3' "$work/err" || fail "unclear refusal: $(cat "$work/err")"
"$MOCK_ACME" --max-names 0 > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "--max-names 0 did not exit 2"
grep -q '^mock-acme: bad number "0"' "$work/err" || fail "--max-names 0: $(head -1 "$work/err")"
"$MOCK_ACME" --authz-reuse-rules certmagic > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "--authz-reuse-rules certmagic did not exit 2"
grep -q 'takes boulder or pebble, not "certmagic"' "$work/err" || fail "--authz-reuse-rules certmagic: $(head -1 "$work/err")"
"$MOCK_ACME" --csr-rules letsencrypt > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "--csr-rules letsencrypt did not exit 2"
grep -q 'takes boulder or pebble, not "letsencrypt"' "$work/err" || fail "--csr-rules letsencrypt: $(head -1 "$work/err")"
"$MOCK_ACME" --ari-rules lego > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "--ari-rules lego did not exit 2"
grep -q 'takes boulder or pebble, not "lego"' "$work/err" || fail "--ari-rules lego: $(head -1 "$work/err")"
"$MOCK_ACME" --identifier-rules strict > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "--identifier-rules strict did not exit 2"
grep -q 'takes boulder or pebble, not "strict"' "$work/err" || fail "--identifier-rules strict: $(head -1 "$work/err")"
"$MOCK_ACME" --validation-rules anywhere > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "--validation-rules anywhere did not exit 2"
grep -q 'takes boulder or pebble, not "anywhere"' "$work/err" || fail "--validation-rules anywhere: $(head -1 "$work/err")"
set -e

echo "== a refusal met for a name holds its next order, unless the CA's renewal window for its certificate has begun (RFC 9773: an ARI renewal is exempt, at Let's Encrypt and here)"
MOCK_ACME_NAME=dup start_mock_acme --http01-port "$HTTP_PORT" --failed-authz-limit 1/3600
dup=(--directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/dup" --quiet)
"$CXXACME" issue "${dup[@]}" --http-port "$HTTP_PORT" dup.example.test > "$work/dup.log" 2>&1 || fail "dup.example.test: $(cat "$work/dup.log")"
serial=$(openssl x509 -in "$work/dup/dup.example.test.pem" -noout -serial | cut -d= -f2)
set +e
# answers on a port the CA's validation does not reach: it fails, and the next order is refused for it
for _ in 1 2; do "$CXXACME" issue "${dup[@]}" --http-port "$(free_port)" dup.example.test > /dev/null 2> "$work/err"; done
[ $? -eq 1 ] || fail "a failing order did not exit 1"
grep -q 'issuing dup.example.test failed: .*rateLimited.*too many failed authorizations (1) for "dup.example.test"' "$work/err" || fail "second failure: $(cat "$work/err")"
"$CXXACME" issue "${dup[@]}" --http-port "$HTTP_PORT" dup.example.test > /dev/null 2> "$work/err"
[ $? -eq 1 ] || fail "a held order did not exit 1"
grep -q 'issuing dup.example.test failed: not asked: .*, as another process over the store was told$' "$work/err" || fail "held: $(cat "$work/err")"
set -e
# the CA's answer (its window not begun, Retry-After 6 hours) is kept on the store for the next process
[ -s "$work/dup/.renewalinfo/dup.example.test" ] || fail "the CA's renewal information is not on the store: $(ls -aR "$work/dup")"
http_post "$MGMT/set-renewal-info" "{\"serial\":\"$serial\",\"start\":\"$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)\",\"end\":\"$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)\"}"
set +e
"$CXXACME" issue "${dup[@]}" --http-port "$HTTP_PORT" dup.example.test > /dev/null 2> "$work/err"
[ $? -eq 1 ] || fail "the kept renewal information was not used: the CA was asked before its Retry-After"
grep -q 'issuing dup.example.test failed: not asked: .*, as another process over the store was told$' "$work/err" || fail "held for another reason: $(cat "$work/err")"
set -e
rm "$work/dup/.renewalinfo/dup.example.test"  # taken down by hand: the CA is asked, and its window has begun
"$CXXACME" issue "${dup[@]}" --http-port "$HTTP_PORT" dup.example.test > "$work/dup.log" 2> "$work/err" || fail "a renewal in its window was held: $(cat "$work/err")"
[ "$(openssl x509 -in "$work/dup/dup.example.test.pem" -noout -serial | cut -d= -f2)" != "$serial" ] || fail "dup.example.test was not renewed"

echo "== a CA that keeps Let's Encrypt's public suffixes, reserved addresses and limit per registered domain: a name under .test, a private address and a second certificate under example.com refused in its words, names under .com and blogspot.com issued"
MOCK_ACME_NAME=public start_mock_acme --http01-port "$HTTP_PORT" \
  --public-suffix-list /usr/share/publicsuffix/public_suffix_list.dat --refuse-reserved-ips --domain-limit 1
pub=(--directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/pub" --http-port "$HTTP_PORT" --quiet)
"$CXXACME" issue "${pub[@]}" shop.example.com > "$work/pub.log" 2>&1 || fail "shop.example.com refused: $(cat "$work/pub.log")"
[ -s "$work/pub/shop.example.com.pem" ] || fail "no certificate for shop.example.com"
# --domain-limit 1, by the whole list: each name under blogspot.com (its private section) is a registered domain of its own
for n in one two; do
  "$CXXACME" issue "${pub[@]}" "$n.blogspot.com" > "$work/pub.log" 2>&1 || fail "$n.blogspot.com refused: $(cat "$work/pub.log")"
done
set +e
# the names after it under example.com are not asked for (the CA sees one refused order); another domain is issued
"$CXXACME" issue "${pub[@]}" www.example.com mail.example.com other.example.org "*.example.com" > "$work/pub.log" 2> "$work/err"
[ $? -eq 1 ] || fail "a second certificate under example.com did not exit 1"
grep -q 'issuing www.example.com failed: .*rateLimited.*too many certificates (1) already issued for "example.com" in the last 168h0m0s, retry after 20[0-9-]* [0-9:]* UTC: see https://letsencrypt.org/docs/rate-limits/#new-certificates-per-registered-domain' "$work/err" ||
  fail "www.example.com: $(cat "$work/err")"
for n in mail.example.com '\*.example.com'; do
  grep -q "issuing $n failed: not asked: the CA refuses every name under example.com until 20[0-9-]*T[0-9:]*Z$" "$work/err" || fail "$n: $(cat "$work/err")"
done
[ "$(grep -c 'rateLimited' "$work/err")" = 1 ] || fail "more than one order refused: $(cat "$work/err")"
grep -q '^issued other.example.org' "$work/pub.log" || fail "other.example.org: $(cat "$work/pub.log" "$work/err")"
# the refusal is on the store's board: another process of the same account does not ask the CA either
[ -n "$(ls "$work/pub/.ratelimit")" ] || fail "the refusal is not on the board: $(ls -aR "$work/pub")"
"$CXXACME" issue "${pub[@]}" blog.example.com > /dev/null 2> "$work/err"
[ $? -eq 1 ] || fail "blog.example.com did not exit 1"
grep -q 'issuing blog.example.com failed: not asked: the CA refuses every name under example.com until 20[0-9-]*T[0-9:]*Z, as another process over the store was told$' "$work/err" ||
  fail "blog.example.com: $(cat "$work/err")"
if grep -q 'rateLimited' "$work/err"; then fail "the second process asked the CA: $(cat "$work/err")"; fi
rm "$work/pub"/.ratelimit/*  # taken down by hand, so that the refusals below come from the CA
"$CXXACME" issue "${pub[@]}" shop.example.test > /dev/null 2> "$work/err"
[ $? -eq 1 ] || fail "shop.example.test did not exit 1"
grep -q 'rejectedIdentifier.*Cannot issue for "shop.example.test": Domain name does not end with a valid public suffix (TLD)' "$work/err" ||
  fail "shop.example.test: $(cat "$work/err")"
# more than one: the CA's detail points to its subproblems, and the message shows each
"$CXXACME" issue "${pub[@]}" "shop.example.com,co.uk,host.internal" > /dev/null 2> "$work/err"
[ $? -eq 1 ] || fail "co.uk did not exit 1"
grep -q 'Refer to sub-problems for more information.) \[co.uk: malformed: Domain name is an ICANN TLD; host.internal: malformed: Domain name does not end with a valid public suffix (TLD)\]' "$work/err" ||
  fail "co.uk, host.internal: $(cat "$work/err")"
"$CXXACME" issue "${pub[@]}" --profile shortlived 192.168.1.10 > /dev/null 2> "$work/err"
[ $? -eq 1 ] || fail "192.168.1.10 did not exit 1"
grep -q 'Cannot issue for "192.168.1.10": IP address is in a reserved address block: \[RFC1918\]: Private-Use' "$work/err" ||
  fail "192.168.1.10: $(cat "$work/err")"
"$MOCK_ACME" --identifier-rules pebble --refuse-reserved-ips > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "pebble's rules with --refuse-reserved-ips did not exit 2"
grep -q "need identifierRules boulder" "$work/err" || fail "pebble's rules with --refuse-reserved-ips: $(head -1 "$work/err")"
"$MOCK_ACME" --listen 127.0.0.1:0 --management 127.0.0.1:0 --public-suffix-list "$work/none.dat" > /dev/null 2> "$work/err"
[ $? -eq 1 ] || fail "a missing --public-suffix-list did not exit 1"
grep -q "^mock-acme: public suffix list: $work/none.dat: cannot open" "$work/err" || fail "a missing list: $(head -1 "$work/err")"
set -e

echo "== a CA that cuts a fifth of its answers short: every certificate still comes, whole"
MOCK_ACME_NAME=cutting start_mock_acme --http01-port "$HTTP_PORT" --truncated-responses 20 --seed 5
http_get "$MGMT/roots/0" > "$work/cut-root.pem"
cut=(--directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/cut" --http-port "$HTTP_PORT" --quiet)
"$CXXACME" issue "${cut[@]}" k1.example.test k2.example.test k3.example.test k4.example.test > "$work/cut.log" 2>&1 \
  || fail "issuance through cut answers failed: $(cat "$work/cut.log")"
for n in 1 2 3 4; do
  entry="$work/cut/k$n.example.test.pem"
  openssl verify -CAfile "$work/cut-root.pem" -untrusted <(sed -n '/BEGIN CERTIFICATE/,$p' "$entry" | awk 'f;/END CERTIFICATE/{f=1}') \
    <(openssl x509 -in "$entry") > /dev/null || fail "k$n: the chain does not verify"
done

echo "== a CA that holds every answer back 200 ms: the certificate comes, later"
MOCK_ACME_NAME=slow start_mock_acme --http01-port "$HTTP_PORT" --delayed-responses 100 --response-delay-ms 200
slow=(--directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/slow" --http-port "$HTTP_PORT" --quiet)
"$CXXACME" issue "${slow[@]}" slow.example.test > "$work/slow.log" 2>&1 || fail "issuance through slow answers failed: $(cat "$work/slow.log")"
openssl x509 -in "$work/slow/slow.example.test.pem" -noout -ext subjectAltName | grep -q 'DNS:slow.example.test' || fail "slow: no certificate"
# from now on the next answer alone, held an hour: a client that waits 1 s gives up; the one after is answered
http_post "$MGMT/set-delayed-responses" '{"percent": 0, "next": 1, "ms": 3600000}'
waited() {  # SECONDS: GET the directory, waiting that long; prints "answered" or "timed out"
  python3 -c 'import ssl,sys,urllib.request
try:
  urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[3]), context=ssl.create_default_context(cafile=sys.argv[2])).read(); print("answered")
except TimeoutError: print("timed out")' "$DIR" "$HTTPS_CA" "$1"
}
[ "$(waited 1)" = "timed out" ] || fail "an answer held an hour came within 1 s"
[ "$(waited 30)" = answered ] || fail "the answer after the held one did not come"
set +e
"$MOCK_ACME" --response-delay-ms 0 > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "--response-delay-ms 0 did not exit 2"
grep -q '^mock-acme: bad number "0"' "$work/err" || fail "--response-delay-ms 0: $(head -1 "$work/err")"
"$MOCK_ACME" --delayed-responses 101 > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "--delayed-responses 101 did not exit 2"
set -e

echo "== a CA that takes TCP and never speaks TLS: --connect-timeout, not the request's --timeout"
SILENT_PORT=$(free_port)
python3 -c 'import socket,sys,time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); print("listening", flush=True); time.sleep(600)' \
  "$SILENT_PORT" > "$work/silent.out" &
pids+=($!)
for _ in $(seq 1 100); do grep -q listening "$work/silent.out" && break; sleep 0.1; done
set +e
"$CXXACME" issue --directory "https://127.0.0.1:$SILENT_PORT/dir" --store "dir:$work/silent" --timeout 3600 \
  --connect-timeout 1 --quiet silent.example.test > /dev/null 2> "$work/err"
[ $? -eq 1 ] || fail "a silent CA did not exit 1"
grep -q "not sent: no connection within 1 s (TCP and TLS)" "$work/err" || fail "silent CA: $(cat "$work/err")"
"$CXXACME" issue "${common[@]}" --connect-timeout 0 x.example.test > /dev/null 2> "$work/err"; [ $? -eq 2 ] || fail "--connect-timeout 0 did not exit 2"
set -e

echo "== through an HTTP proxy (Debian's tinyproxy, Basic authorization): --proxy, HTTPS_PROXY, --proxy none"
PROXY_PORT=$(free_port)
printf 'Port %s\nListen 127.0.0.1\nTimeout 60\nLogLevel Connect\nAllow 127.0.0.1\nBasicAuth alice pr0xy-pw\n' "$PROXY_PORT" > "$work/tinyproxy.conf"
tinyproxy -d -c "$work/tinyproxy.conf" > "$work/tinyproxy.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q "Reloading config file finished" "$work/tinyproxy.log" 2>/dev/null && break; sleep 0.1; done
MOCK_ACME_NAME=proxied start_mock_acme --http01-port "$HTTP_PORT"
px=(--directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/px" --http-port "$HTTP_PORT" --quiet)
CA_AUTHORITY=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).netloc)' "$DIR")
tunnels() { grep -c "Request (file descriptor [0-9]*): CONNECT $CA_AUTHORITY " "$work/tinyproxy.log" || true; }
"$CXXACME" issue "${px[@]}" --proxy "http://alice:pr0xy-pw@127.0.0.1:$PROXY_PORT" p1.example.test > "$work/proxy.log" 2>&1 \
  || fail "issue through --proxy failed: $(cat "$work/proxy.log")"
before=$(tunnels)
[ "$before" -ge 1 ] || fail "no CONNECT to $CA_AUTHORITY in tinyproxy's log"
HTTPS_PROXY="http://alice:pr0xy-pw@127.0.0.1:$PROXY_PORT" "$CXXACME" issue "${px[@]}" p2.example.test > "$work/proxy.log" 2>&1 \
  || fail "issue through HTTPS_PROXY failed: $(cat "$work/proxy.log")"
after=$(tunnels)
[ "$after" -gt "$before" ] || fail "HTTPS_PROXY was not used"
HTTPS_PROXY="http://alice:pr0xy-pw@127.0.0.1:$PROXY_PORT" "$CXXACME" issue "${px[@]}" --proxy none p3.example.test > "$work/proxy.log" 2>&1 \
  || fail "issue with --proxy none failed: $(cat "$work/proxy.log")"
HTTPS_PROXY="http://alice:pr0xy-pw@127.0.0.1:$PROXY_PORT" NO_PROXY=127.0.0.1 "$CXXACME" issue "${px[@]}" p4.example.test \
  > "$work/proxy.log" 2>&1 || fail "issue with NO_PROXY failed: $(cat "$work/proxy.log")"
[ "$(tunnels)" = "$after" ] || fail "--proxy none or NO_PROXY still went through the proxy"
set +e
"$CXXACME" issue "${px[@]}" --proxy "http://alice:not-it@127.0.0.1:$PROXY_PORT" p5.example.test > /dev/null 2> "$work/err"
[ $? -eq 1 ] || fail "a refused proxy did not exit 1"
grep -Eq "through proxy http://127.0.0.1:$PROXY_PORT: answered CONNECT with 40[17]" "$work/err" || fail "refused proxy: $(cat "$work/err")"
grep -q "not-it" "$work/err" && fail "the proxy password was printed"
"$CXXACME" issue "${px[@]}" --proxy "https://127.0.0.1:$PROXY_PORT" p6.example.test > /dev/null 2> "$work/err"
[ $? -eq 2 ] || fail "an https:// proxy did not exit 2"
grep -q "only an http:// proxy" "$work/err" || fail "https proxy: $(cat "$work/err")"
set -e
echo "== the http-01 port held by another process that lets it go before the CA validates: taken over, the certificate comes"
HELD_PORT=$(free_port)
MOCK_ACME_NAME=held start_mock_acme --http01-port "$HELD_PORT" --validation-delay 3
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); print("holding", flush=True); time.sleep(600)' \
  "$HELD_PORT" > "$work/holder.out" &
holder=$!
pids+=($holder)
for _ in $(seq 1 100); do grep -q holding "$work/holder.out" && break; sleep 0.1; done
"$CXXACME" issue --directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/held" --http-port "$HELD_PORT" --quiet \
  held.example.test > "$work/held.log" 2> "$work/held.err" &
issuer=$!
pids+=($issuer)  # stopped by the clean-up should a check below fail
for _ in $(seq 1 300); do grep -q "is taken" "$work/held.err" && break; sleep 0.1; done
grep -q "^cxxacme: 127.0.0.1:$HELD_PORT is taken; leaving the http-01 answers on the store's challenge board for the server that holds it, and taking the port over if it is let go" \
  "$work/held.err" || fail "no word of the taken port: $(cat "$work/held.err")"
kill "$holder"
wait "$issuer" || fail "issue on a port let go failed: $(cat "$work/held.err")"
grep -q "^cxxacme: 127.0.0.1:$HELD_PORT was let go; answering there" "$work/held.err" || fail "no word of the takeover: $(cat "$work/held.err")"
http_get "$MGMT/roots/0" > "$work/held-root.pem"
openssl verify -CAfile "$work/held-root.pem" -untrusted <(sed -n '/BEGIN CERTIFICATE/,$p' "$work/held/held.example.test.pem" | awk 'f;/END CERTIFICATE/{f=1}') \
  <(openssl x509 -in "$work/held/held.example.test.pem") > /dev/null || fail "the certificate from a port taken over does not verify"
echo "PASS"
