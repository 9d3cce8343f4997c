#!/usr/bin/env bash
# `cxxacme demo`: the main job on the embedded default (in-process mock-acme).
set -euo pipefail
cxxacme=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$("$cxxacme" demo --dir "$dir/nested/certs" a.example.test "b.example.test, c.example.test")
echo "$out"
[ "$(stat -c %a "$dir/nested/certs/client.key")" = 600 ] || fail "client.key is not 0600"
[ "$(stat -c %a "$dir/nested/certs/a.example.test.pem")" = 600 ] || fail "a.example.test.pem is not 0600"
[ -s "$dir/nested/certs/b.example.test,c.example.test.pem" ] || fail "multi-name entry missing"
echo "$out" | grep -q "2 issued this run, 0 failed, 2 of 2 entries verified" || fail "unexpected summary"
openssl x509 -in "$dir/nested/certs/b.example.test,c.example.test.pem" -noout -ext subjectAltName | grep -q "DNS:c.example.test" \
  || fail "certificate lacks a name"
openssl pkey -in "$dir/nested/certs/a.example.test.pem" -noout || fail "key unreadable by openssl"

echo "$out" | grep -q "https://c.example.test/ -> 200, TLSv1.3" || fail "no HTTPS request for the second name of an entry"
[ "$(grep -c '"GET / HTTP/1.1" 200' "$dir/nested/access.log")" = 3 ] || fail "access log lacks the requests"

# a second run keeps valid certificates (mock-acme keeps its CA in the work dir) and the account key
key_before=$(sha256sum < "$dir/nested/certs/client.key")
out2=$("$cxxacme" demo --dir "$dir/nested/certs" a.example.test)
echo "$out2" | grep -q "0 issued this run, 0 failed, 1 of 1 entries verified" || fail "second run: $out2"
[ "$key_before" = "$(sha256sum < "$dir/nested/certs/client.key")" ] || fail "account key not reused"

# --keep-serving serves until SIGTERM, then stops cleanly
"$cxxacme" demo --dir "$dir/nested/certs" --keep-serving a.example.test > "$dir/serving.out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q "serving until SIGTERM" "$dir/serving.out" && break; sleep 0.1; done
grep -q "serving until SIGTERM" "$dir/serving.out" || { cat "$dir/serving.out"; fail "--keep-serving did not come up"; }
kill -TERM $pid
wait $pid || fail "--keep-serving did not exit 0 on SIGTERM"

# an empty file asks for a certificate
: > "$dir/nested/certs/a.example.test.pem"
"$cxxacme" demo --dir "$dir/nested/certs" a.example.test | grep -q "1 issued this run" || fail "empty entry not filled"

# entries from another CA (mock-acme's state lost, a new CA) are kept aside and issued again
old_serial=$(openssl x509 -in "$dir/nested/certs/a.example.test.pem" -noout -serial)
rm "$dir/nested/mock-acme.sqlite"
out3=$("$cxxacme" demo --dir "$dir/nested/certs" a.example.test) || fail "run after a new CA failed: $out3"
echo "$out3" | grep -q "not from this mock-acme; kept as .*a.example.test.pem.other-ca" || fail "other-CA entry not reported: $out3"
echo "$out3" | grep -q "1 issued this run, 0 failed, 1 of 1 entries verified" || fail "other-CA entry not issued again: $out3"
[ "$(openssl x509 -in "$dir/nested/certs/a.example.test.pem.other-ca" -noout -serial)" = "$old_serial" ] \
  || fail "the old entry was not kept"
[ "$(stat -c %a "$dir/nested/certs/a.example.test.pem.other-ca")" = 600 ] || fail "the kept entry is not 0600"
# a second time: the first one kept stays, the new one gets its own name
second_serial=$(openssl x509 -in "$dir/nested/certs/a.example.test.pem" -noout -serial)
rm "$dir/nested/mock-acme.sqlite"
"$cxxacme" demo --dir "$dir/nested/certs" a.example.test | grep -q "kept as .*a.example.test.pem.other-ca.1" \
  || fail "a second other-CA entry was not kept under a new name"
[ "$(openssl x509 -in "$dir/nested/certs/a.example.test.pem.other-ca" -noout -serial)" = "$old_serial" ] || fail "the first kept entry was replaced"
[ "$(openssl x509 -in "$dir/nested/certs/a.example.test.pem.other-ca.1" -noout -serial)" = "$second_serial" ] || fail "the second kept entry is wrong"
rm "$dir/nested/certs/a.example.test.pem.other-ca" "$dir/nested/certs/a.example.test.pem.other-ca.1"

# hostile names never touch the directory
before=$(ls "$dir/nested/certs" | wc -l)
if "$cxxacme" demo --dir "$dir/nested/certs" "../escape" 2>"$dir/err"; then fail "accepted ../escape"; fi
grep -q "path separator" "$dir/err" || fail "unclear error: $(cat "$dir/err")"
[ "$(ls "$dir/nested/certs" | wc -l)" = "$before" ] || fail "a hostile name wrote a file"
[ ! -e "$dir/nested/escape.pem" ] || fail "escaped the directory"

# usage errors exit 2
set +e
"$cxxacme" nonsense >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown command did not exit 2"
"$cxxacme" demo --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option did not exit 2"
echo "PASS"
