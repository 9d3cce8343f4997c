#!/usr/bin/env bash
# The `cxxacme demo` command on a scratch certificate directory.
set -euo pipefail
cxxacme=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$("$cxxacme" demo --dir "$dir/certs" a.example.test "b.example.test, c.example.test")
echo "$out"
[ "$(stat -c %a "$dir/certs/client.key")" = 600 ] || fail "client.key is not 0600"
[ "$(stat -c %a "$dir/certs/a.example.test.pem")" = 600 ] || fail "a.example.test.pem is not 0600"
[ -s "$dir/certs/b.example.test,c.example.test.pem" ] || fail "multi-name entry missing"
openssl x509 -in "$dir/certs/a.example.test.pem" -noout -ext subjectAltName | grep -q "DNS:a.example.test" \
  || fail "certificate lacks its name"
openssl pkey -in "$dir/certs/a.example.test.pem" -noout || fail "key unreadable by openssl"

thumb1=$(echo "$out" | sed -n 's/.*thumbprint (RFC 7638): //p')
out2=$("$cxxacme" demo --dir "$dir/certs" a.example.test)
echo "$out2" | grep -q "nothing to do" || fail "second run reissued a valid certificate"
thumb2=$(echo "$out2" | sed -n 's/.*thumbprint (RFC 7638): //p')
[ "$thumb1" = "$thumb2" ] || fail "account key changed between runs"

# an empty file asks for a certificate
: > "$dir/certs/a.example.test.pem"
"$cxxacme" demo --dir "$dir/certs" a.example.test | grep -q "empty entry, issuing" || fail "empty entry not filled"

# hostile names never touch the directory
before=$(ls "$dir/certs" | wc -l)
if "$cxxacme" demo --dir "$dir/certs" "../escape" 2>"$dir/err"; then fail "accepted ../escape"; fi
grep -q "path separator" "$dir/err" || fail "unclear error: $(cat "$dir/err")"
[ "$(ls "$dir/certs" | wc -l)" = "$before" ] || fail "a hostile name wrote a file"
[ ! -e "$dir/escape.pem" ] || fail "escaped the directory"

# a garbled entry is a clear error, and the file is left as it was
printf -- '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n' > "$dir/certs/bad.example.test.pem"
cp "$dir/certs/bad.example.test.pem" "$dir/bad.copy"
if "$cxxacme" demo --dir "$dir/certs" bad.example.test 2>"$dir/err"; then fail "accepted garbled PEM"; fi
grep -q "invalid character" "$dir/err" || fail "unclear error: $(cat "$dir/err")"
cmp -s "$dir/certs/bad.example.test.pem" "$dir/bad.copy" || fail "garbled entry was changed"

# usage errors exit 2
set +e
"$cxxacme" nonsense >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown command did not exit 2"
"$cxxacme" demo --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option did not exit 2"
echo "PASS"
