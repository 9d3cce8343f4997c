# Shared helpers for the interop tests (sourced). Servers bind loopback only.
set -euo pipefail

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; for f in "$work"/*.log "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; tail -30 "$f"; }; done; exit 1; }

# A port free for TCP and UDP on 127.0.0.1, picked below the kernel's ephemeral
# range so that no outgoing connection of the parallel suite takes it first
# (see freePort() in tests/support/ChildProcess.h), and never one this script
# was given before ($work/ports.given): two servers of one test must not be
# told the same port.
free_port() {
  python3 - "$work/ports.given" <<'PY'
import os, random, socket, sys
given_file = sys.argv[1]
given = set(open(given_file).read().split()) if os.path.exists(given_file) else set()
def hand_out(port):
    with open(given_file, "a") as f:
        f.write(f"{port}\n")
    print(port); raise SystemExit
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200 if low > 12000 else 0):
    port = random.randint(10000, low - 1)
    if str(port) in given:
        continue
    try:
        with socket.socket() as t, socket.socket(type=socket.SOCK_DGRAM) as u:
            t.bind(("127.0.0.1", port)); u.bind(("127.0.0.1", port))
    except OSError:
        continue
    hand_out(port)
with socket.socket() as s:
    s.bind(("127.0.0.1", 0)); hand_out(s.getsockname()[1])
PY
}

# https_identity: a CA ($work/ca.pem, ca.key) and a certificate for 127.0.0.1
# and localhost it signed ($work/cert.pem, key.pem), as a server's own HTTPS identity
https_identity() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" \
    -subj "/CN=test HTTPS CA" -days 2 -addext "basicConstraints=critical,CA:TRUE" 2> "$work/openssl.err"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" -out "$work/req.csr" \
    -subj "/CN=localhost" 2>> "$work/openssl.err"
  openssl x509 -req -in "$work/req.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -out "$work/cert.pem" \
    -days 2 -extfile <(printf "subjectAltName=IP:127.0.0.1,DNS:localhost") 2>> "$work/openssl.err"
}

# Debian's Chromium as the browser tests run it: headless, as root without its sandbox, and
# with nothing of its own reaching out (no sync, updates or background requests); with
# --user-data-dir and HOME of the test's own
CHROMIUM_FLAGS=(--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --no-default-browser-check
                --disable-background-networking --disable-component-update --disable-sync --disable-extensions)
need_browser() {  # Chromium, and NSS's certutil to give it a root
  for tool in chromium certutil; do
    command -v $tool > /dev/null || fail "$tool is not installed (scripts/install-deps.sh --test installs it)"
  done
}
browser_trusts() {  # HOME CA_PEM NICKNAME: Chromium run with HOME trusts CA_PEM, as a user adds a root
  mkdir -p "$1/.pki/nssdb"
  certutil -N -d "sql:$1/.pki/nssdb" --empty-password
  certutil -A -d "sql:$1/.pki/nssdb" -t "C,," -n "$3" -i "$2"
}

http_get() {  # URL -> body on stdout (plain http, loopback)
  python3 -c 'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())' "$1"
}

http_post() {  # URL BODY: POSTs BODY (plain http, loopback); fails on an error status
  python3 -c 'import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST"), timeout=30).read()' "$1" "$2"
}

random_key() {  # 32 random bytes in base64url without padding, as an EAB MAC key
  python3 -c "import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('='))"
}

# start_mock_acme ARGS...: sets DIR, MGMT and HTTPS_CA, the CA of its HTTPS certificate
# ($work/https-ca.pem). A second instance: MOCK_ACME_NAME=other start_mock_acme ...
# (logs $work/other.log and .err, HTTPS_CA $work/other-https-ca.pem).
start_mock_acme() {
  local name=${MOCK_ACME_NAME:-mock-acme}
  HTTPS_CA="$work/https-ca.pem"
  [ "$name" = mock-acme ] || HTTPS_CA="$work/$name-https-ca.pem"
  "$MOCK_ACME" --listen 127.0.0.1:0 --management 127.0.0.1:0 --write-ca "$HTTPS_CA" "$@" \
    > "$work/$name.log" 2> "$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 100); do
    grep -q '^management: ' "$work/$name.log" 2>/dev/null && break
    sleep 0.1
  done
  DIR=$(sed -n 's/^directory: //p' "$work/$name.log")
  MGMT=$(sed -n 's/^management: //p' "$work/$name.log")
  [ -n "$DIR" ] || fail "$name did not start"
}

# private_mounts: sets private_ns to a command prefix that runs a command in
# a mount namespace of its own (an unprivileged user namespace's, or root's
# own); fails when there is none.
private_mounts() {
  if unshare -rm true 2>/dev/null; then private_ns=(unshare -rm)
  elif [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then private_ns=(unshare -m)
  else return 1
  fi
}

# with_ca_store DIR COMMAND ARGS...: after private_mounts, COMMAND with DIR
# in place of /etc/ssl/certs, for clients that trust the system store alone
# (uacme); nothing outside the namespace changes.
with_ca_store() {
  local dir=$1
  shift
  "${private_ns[@]}" sh -c 'mount --bind "$1" /etc/ssl/certs && shift && exec "$@"' sh "$dir" "$@"
}

# verify_chain CERT CHAIN ROOT
verify_chain() {
  openssl verify -CAfile "$3" -untrusted "$2" "$1" > "$work/verify.out" 2>&1 || fail "chain does not verify: $(cat "$work/verify.out")"
}
