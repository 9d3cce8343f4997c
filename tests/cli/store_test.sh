#!/usr/bin/env bash
# `cxxacme store keygen|copy` and --encryption-key: a cert directory copied
# into SQLite with sealed keys, read back, and copied out again unchanged.
set -euo pipefail
cxxacme=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$cxxacme" demo --dir "$dir/certs" a.example.test "b.example.test,www.b.example.test" > "$dir/demo.log" 2>&1 \
  || { cat "$dir/demo.log"; fail "demo did not fill the directory"; }
: > "$dir/certs/empty.example.test.pem"

"$cxxacme" store keygen "$dir/entries.key" | grep -q "mode 0600" || fail "keygen"
[ "$(stat -c %a "$dir/entries.key")" = 600 ] || fail "key file not 0600"

out=$("$cxxacme" store copy "dir:$dir/certs" "sqlite:$dir/c.sqlite" --to-key "$dir/entries.key")
[ "$out" = "copied 3 entries (1 empty) from dir:$dir/certs to sqlite:$dir/c.sqlite, each read back equal" ] || fail "copy: $out"
python3 - "$dir/c.sqlite" <<'PY' || fail "a private key is in the clear in SQLite"
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT pem FROM entries").fetchall()
assert len(rows) == 3
assert not any("PRIVATE KEY-----" in r[0] and "CXXACME ENCRYPTED" not in r[0] for r in rows)
assert sum("CXXACME ENCRYPTED PRIVATE KEY" in r[0] for r in rows) == 2
PY

"$cxxacme" list --store "sqlite:$dir/c.sqlite" --encryption-key "$dir/entries.key" > "$dir/list.log" || fail "list with the key"
[ "$(wc -l < "$dir/list.log")" = 3 ] || fail "list shows $(wc -l < "$dir/list.log") entries"
"$cxxacme" list --store "sqlite:$dir/c.sqlite" > "$dir/nokey.log" 2>&1 || true
grep -q "no key file to decrypt" "$dir/nokey.log" || fail "no clear error without the key: $(cat "$dir/nokey.log")"

"$cxxacme" store copy "sqlite:$dir/c.sqlite" "dir:$dir/back" --from-key "$dir/entries.key" > /dev/null || fail "copy back"
for f in a.example.test.pem "b.example.test,www.b.example.test.pem" empty.example.test.pem; do
  cmp -s "$dir/certs/$f" "$dir/back/$f" || fail "$f changed on the round trip"
  [ "$(stat -c %a "$dir/back/$f")" = 600 ] || fail "$f not 0600"
done

set +e
"$cxxacme" store copy "dir:$dir/certs" "dir:$dir/certs" > /dev/null 2>&1; [ $? -eq 2 ] || fail "same store accepted"
"$cxxacme" store copy "ftp:x" "dir:$dir/y" > /dev/null 2>&1; [ $? -eq 2 ] || fail "bad store spec accepted"
"$cxxacme" store copy "sqlite:$dir/c.sqlite" "dir:$dir/z" --from-key "$dir/missing.key" > /dev/null 2>&1; [ $? -eq 1 ] || fail "missing key file accepted"
set -e
echo "PASS"
