#!/usr/bin/env bash
# mock-acme --persist survives SIGKILL: once the snapshot writer has caught up,
# a new process on the same file has the same CA, lego's account and its
# certificate; lego revokes that certificate through the new process.
MOCK_ACME=$1
source "$(dirname "$0")/lib.sh"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps.sh --test installs it)"

HTTP_PORT=$(free_port)
state="$work/state.sqlite"
start_mock_acme --http01-port "$HTTP_PORT" --persist "$state"
first_pid=${pids[-1]}
http_get "$MGMT/roots/0" > "$work/root0-before.pem"
[ "$(stat -c %a "$state")" = 600 ] || fail "the state file is not 0600"

LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego" --domains persist.example.test --http --http.port "127.0.0.1:$HTTP_PORT" run \
  > "$work/lego.log" 2>&1 || fail "lego failed"
cert="$work/lego/certificates/persist.example.test.crt"
serial=$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2)

# wait (bounded) until the snapshot holds the certificate, then kill without warning
in_snapshot() {
  python3 - "$state" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
row = db.execute("SELECT json FROM snapshot WHERE id = 1").fetchone()
sys.exit(0 if row and sys.argv[2].upper().lstrip("0") in row[0].upper() else 1)
PY
}
for _ in $(seq 1 200); do in_snapshot "$serial" && break; sleep 0.05; done
in_snapshot "$serial" || fail "the certificate never reached the snapshot"
kill -KILL "$first_pid"
wait "$first_pid" 2>/dev/null || true

# the same port: lego files its account under the server's host and port
port=$(echo "$DIR" | sed -n 's|^https://127.0.0.1:\([0-9]*\)/dir$|\1|p')
[ -n "$port" ] || fail "no port in $DIR"
# (with --forget-after: restoring the orders' ages keeps a day-old state whole)
MOCK_ACME_NAME=second start_mock_acme --http01-port "$HTTP_PORT" --persist "$state" --listen "127.0.0.1:$port" --verbose \
  --forget-after 86400
[ "$(echo "$DIR" | sed -n 's|^https://127.0.0.1:\([0-9]*\)/dir$|\1|p')" = "$port" ] || fail "not on the same port: $DIR"
http_get "$MGMT/roots/0" > "$work/root0-after.pem"
cmp -s "$work/root0-before.pem" "$work/root0-after.pem" || fail "the CA changed across the restart"
http_get "$MGMT/cert-status-by-serial/$serial" | grep -q '"Valid"' || fail "the certificate was lost"
LEGO_CA_CERTIFICATES="$HTTPS_CA" lego --server "$DIR" --accept-tos --email test@example.com \
  --path "$work/lego" --domains persist.example.test revoke > "$work/lego-revoke.log" 2>&1 \
  || fail "lego could not revoke through the restarted server: $(tail -3 "$work/lego-revoke.log")"
http_get "$MGMT/cert-status-by-serial/$serial" | grep -q '"Revoked"' || fail "the revocation did not take"
# --verbose logs each request's line and status to stderr; without it, nothing
grep -q "Information: POST /revoke-cert 200" "$work/second.err" || fail "--verbose did not log the revocation"
grep -q "Information: GET /cert-status-by-serial/" "$work/second.err" || fail "--verbose did not log the management request"
! grep -q "Information" "$work/mock-acme.err" || fail "requests were logged without --verbose"
echo "PASS"
