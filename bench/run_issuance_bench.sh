#!/usr/bin/env bash
# Issuance and order throughput, measured in one run, beside the references:
#   - cxxacme's client + mock-acme in one process, and over loopback to the mock-acme program;
#   - cxxacme's client against Debian's pebble (PEBBLE_VA_NOSLEEP=1);
#   - Debian's lego and uacme issuing against pebble (one process per certificate, as they run).
# Usage: bench/run_issuance_bench.sh [COUNT]   (after scripts/test.sh has built build/;
# environment knobs are listed above the orders-per-second part below;
# installs what it runs against, uacme included, with scripts/install-deps.sh --bench)
# uacme trusts only the system store, so it runs in a mount namespace of its
# own where /etc/ssl/certs holds pebble's throwaway HTTPS CA alone (unshare).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-64}
BENCH_BIN=build/bench/issuance_bench
BENCH() { "$BENCH_BIN" "$@" || true; }  # a failing configuration is reported, the run goes on
MOCK_ACME=build/mock_acme/mock-acme
scripts/install-deps.sh --bench
source tests/interop/lib.sh
for tool in pebble pebble-challtestsrv lego uacme openssl; do command -v $tool >/dev/null || fail "$tool is needed"; done

row() { printf '%s\n' "$*"; }
# PIN=1: every server (mock-acme, pebble and its DNS helper) on CPU SERVER_CPUS (0), the load
# generator on CLIENT_CPUS (1) -- a server benchmark's usual set-up, each side with cores of its
# own, so that the load generator's CPU does not come out of the server's (it applies to the
# orders-per-second part; without PIN every process may run on every core)
pin_server() { if [ -n "${PIN:-}" ]; then taskset -apc "${SERVER_CPUS:-0}" "$1" > /dev/null; fi; }
CLIENT_PIN=()
if [ -n "${PIN:-}" ]; then CLIENT_PIN=(taskset -c "${CLIENT_CPUS:-1}"); fi

# ORDERS_ONLY=1 runs the last part alone (orders per second by 1, 4, 16 clients)
if [ -z "${ORDERS_ONLY:-}" ]; then
echo "== cxxacme client, mock-acme in the same process"
for kt in ec256 rsa2048; do
  BENCH --in-process --count "$COUNT" --key-type $kt --label "in-process $kt serial, real http-01"
  BENCH --in-process --count "$COUNT" --parallel 8 --key-type $kt --label "in-process $kt 8 parallel, real http-01"
done
fi

HTTP_PORT=$(free_port)
start_mock_acme --http01-port "$HTTP_PORT" --retry-after 0
MOCK_DIR=$DIR
MOCK_PID=${pids[-1]}
pin_server "$MOCK_PID"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }  # user + system, in clock ticks
TICK=$(getconf CLK_TCK)
# another_mock_acme NAME ARGS...: one more mock-acme program on free ports; sets NAME_PID and
# NAME_DIR, its HTTPS CA in $work/NAME-ca.pem
another_mock_acme() {
  local name=$1
  shift
  "$MOCK_ACME" --listen 127.0.0.1:0 --management 127.0.0.1:0 "$@" --write-ca "$work/$name-ca.pem" > "$work/$name.log" 2>&1 &
  pids+=($!)
  printf -v "${name^^}_PID" '%s' $!
  pin_server $!
  for _ in $(seq 1 100); do grep -q '^directory: ' "$work/$name.log" 2>/dev/null && break; sleep 0.1; done
  printf -v "${name^^}_DIR" '%s' "$(sed -n 's/^directory: //p' "$work/$name.log")"
}
# a second mock-acme that skips validation
another_mock_acme skip --skip-validation --retry-after 0
# a third that skips validation and signs with RSA 2048, as pebble's CA does (mock-acme's default is P-256)
another_mock_acme rsaca --skip-validation --retry-after 0 --ca-key-type rsa2048

# pebble, with its own HTTPS identity and pebble-challtestsrv as DNS (A only).
# PEBBLE_WFE_NONCEREJECT=0: pebble refuses 5 % of good nonces unless told not to, and each
# refusal costs the client a retry; mock-acme's default refuses none.
PEBBLE_HTTP=$(free_port); PEBBLE_PORT=$(free_port); PEBBLE_MGMT=$(free_port); DNS_PORT=$(free_port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench pebble CA" \
  -keyout "$work/pca.key" -out "$work/pca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$work/pebble.key" -out "$work/pebble.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$work/san.ext"
openssl x509 -req -in "$work/pebble.csr" -CA "$work/pca.pem" -CAkey "$work/pca.key" -CAcreateserial -days 2 \
  -extfile "$work/san.ext" -out "$work/pebble.pem" 2>/dev/null
pebble_config() {  # PORT MGMT HTTPPORT FILE
  printf '{"pebble":{"listenAddress":"127.0.0.1:%s","managementListenAddress":"127.0.0.1:%s","certificate":"%s","privateKey":"%s","httpPort":%s,"tlsPort":5001,"ocspResponderURL":"","externalAccountBindingRequired":false}}' \
    "$1" "$2" "$work/pebble.pem" "$work/pebble.key" "$3" > "$4"
}
pebble_config "$PEBBLE_PORT" "$PEBBLE_MGMT" "$PEBBLE_HTTP" "$work/pebble.json"
pebble-challtestsrv -dns01 "127.0.0.1:$DNS_PORT" -management "127.0.0.1:$(free_port)" -defaultIPv6 "" \
  -http01 "" -https01 "" -tlsalpn01 "" > "$work/cts.log" 2>&1 &
pids+=($!)
pin_server $!
PSKIP_PORT=$(free_port)
pebble_config "$PSKIP_PORT" "$(free_port)" "$(free_port)" "$work/pebble-skip.json"
wait_port() {
  python3 -c "import socket,time
for _ in range(100):
  try: socket.create_connection(('127.0.0.1',$1),1); break
  except OSError: time.sleep(0.1)"
}
# start_pebble real|skipped: (re)starts that pebble; PEBBLE_PID / PSKIP_PID
start_pebble() {
  if [ "$1" = real ]; then
    [ -n "${PEBBLE_PID:-}" ] && { kill "$PEBBLE_PID" 2>/dev/null; wait "$PEBBLE_PID" 2>/dev/null || true; }
    PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 pebble -config "$work/pebble.json" -dnsserver "127.0.0.1:$DNS_PORT" >> "$work/pebble.log" 2>&1 &
    PEBBLE_PID=$!; pids+=($!); pin_server "$PEBBLE_PID"; wait_port "$PEBBLE_PORT"
  else
    [ -n "${PSKIP_PID:-}" ] && { kill "$PSKIP_PID" 2>/dev/null; wait "$PSKIP_PID" 2>/dev/null || true; }
    PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_VA_ALWAYS_VALID=1 pebble -config "$work/pebble-skip.json" -dnsserver "127.0.0.1:$DNS_PORT" \
      >> "$work/pebble-skip.log" 2>&1 &
    PSKIP_PID=$!; pids+=($!); pin_server "$PSKIP_PID"; wait_port "$PSKIP_PORT"
  fi
}
start_pebble real
start_pebble skipped

if [ -z "${ORDERS_ONLY:-}" ]; then
echo "== cxxacme client, mock-acme program over loopback"
for kt in ec256 rsa2048; do
  BENCH --directory "$MOCK_DIR" --ca-bundle "$work/https-ca.pem" --http-port "$HTTP_PORT" --count "$COUNT" \
    --key-type $kt --label "loopback $kt serial, real http-01"
  BENCH --directory "$MOCK_DIR" --ca-bundle "$work/https-ca.pem" --http-port "$HTTP_PORT" --count "$COUNT" \
    --parallel 8 --key-type $kt --label "loopback $kt 8 parallel, real http-01"
done

echo "== reference clients against pebble, one process per certificate, serial"
N=${REF_COUNT:-8}
start=$(date +%s.%N)
for i in $(seq 1 "$N"); do
  LEGO_CA_CERTIFICATES="$work/pca.pem" lego --server "https://127.0.0.1:$PEBBLE_PORT/dir" --accept-tos \
    --email bench@example.com --path "$work/lego" --domains "lego$i.bench.example.test" \
    --http --http.port "127.0.0.1:$PEBBLE_HTTP" run > "$work/lego.log" 2>&1 || fail "lego failed"
done
end=$(date +%s.%N)
python3 -c "print(f'lego against pebble, serial                  {$N} certs  {$N/($end-$start):9.2f} certs/s')"

if private_mounts; then
  mkdir -p "$work/pebble-store"
  cp "$work/pca.pem" "$work/pebble-store/ca-certificates.crt"
  cat > "$work/uacme-hook.sh" <<HOOK
#!/bin/sh
# uacme hook: METHOD TYPE IDENT TOKEN AUTH; serve http-01 from a directory
[ "\$2" = http-01 ] || exit 1
case "\$1" in
  begin) mkdir -p "$work/www/.well-known/acme-challenge"; printf '%s' "\$5" > "$work/www/.well-known/acme-challenge/\$4" ;;
  *) rm -f "$work/www/.well-known/acme-challenge/\$4" ;;
esac
HOOK
  chmod +x "$work/uacme-hook.sh"
  mkdir -p "$work/www"
  (cd "$work/www" && exec python3 -m http.server "$PEBBLE_HTTP" --bind 127.0.0.1 > /dev/null 2>&1) &
  web=$!
  pids+=($web)
  sleep 0.5
  with_ca_store "$work/pebble-store" uacme -y -a "https://127.0.0.1:$PEBBLE_PORT/dir" -c "$work/uacme" new > "$work/uacme.log" 2>&1 ||
    fail "uacme new failed: $(tail -3 "$work/uacme.log")"
  start=$(date +%s.%N)
  for i in $(seq 1 "$N"); do
    with_ca_store "$work/pebble-store" uacme -y -a "https://127.0.0.1:$PEBBLE_PORT/dir" -c "$work/uacme" -h "$work/uacme-hook.sh" -t EC \
      issue "uacme$i.bench.example.test" >> "$work/uacme.log" 2>&1 || fail "uacme failed: $(tail -3 "$work/uacme.log")"
  done
  end=$(date +%s.%N)
  python3 -c "print(f'uacme against pebble, serial                 {$N} certs  {$N/($end-$start):9.2f} certs/s')"
  kill "$web"; wait "$web" 2>/dev/null || true  # free pebble's http-01 port for the runs below
else
  echo "uacme: skipped (no mount namespace to give it pebble's throwaway CA: unshare -rm, or unshare -m as root)"
fi

echo "== transport floor: HEAD newNonce on kept-alive HTTPS connections, server CPU per request"
# What one HTTPS request costs each server with (almost) nothing behind it: an order
# takes about six signed requests, so six of these plus the order's cryptography
# (build/bench/engine_bench) is a floor no engine work can go below.
NONCE_COUNT=${NONCE_COUNT:-4000}
floor() {  # LABEL PID DIRECTORY CA CLIENTS
  local before after line
  before=$(cpu_ticks "$2")
  line=$(timeout "${RUN_TIMEOUT:-60}" "$BENCH_BIN" --directory "$3" --ca-bundle "$4" --nonce-only --count "$NONCE_COUNT" \
           --parallel "$5" --label "$1 $5" 2>&1 | head -1) || true
  after=$(cpu_ticks "$2")
  printf '%s  server CPU %s us/request\n' "${line//certs/requests}" \
    "$(python3 -c "print(f'{($after - $before) * 1e6 / $TICK / $NONCE_COUNT:.0f}')")"
}
for clients in 1 4; do
  for round in 1 2 3; do
    floor "mock-acme newNonce" "$SKIP_PID" "$SKIP_DIR" "$work/skip-ca.pem" $clients
    floor "pebble newNonce" "$PSKIP_PID" "https://127.0.0.1:$PSKIP_PORT/dir" "$work/pca.pem" $clients
  done
done

fi  # ORDERS_ONLY

echo "== orders per second by 1, 4, 16 clients: mock-acme program (loopback) vs pebble, same run"
# Each configuration runs ROUNDS times, the rounds interleaved so that the machine's
# drift hits every server alike; the table gives medians and mock-acme/pebble ratios.
# Modes: "issue" = AcmeIssuer end to end (key generation, CSR, chain parsed and checked);
# "protocol" = --protocol-only, the load-generator view (CSRs made before the clock,
# chains downloaded unparsed), so that more of the time measured is the server's.
# mock-acme runs twice for real validation: its defaults (challenge answered
# "processing", polled every 2 ms like pebble) and --challenge-wait-ms 1000;
# with validation skipped, also as mock-acme+rsaca: an RSA 2048 CA, like pebble's,
# so that the CA's signature costs both servers alike.
# Each run also reads the server's CPU time (user + system, /proc/PID/stat) before and
# after: "server ms/order" is the server's own cost, apart from the load generator that
# shares the machine's cores, and "capacity" compares it with pebble's (pebble's CPU
# per order over mock-acme's). "client ms/order" is the load generator's own CPU per order
# (issuance_bench's, getrusage), which shares the machine's cores with the server: orders/s
# can reach at most cores / (server + client CPU per order), and "machine" is the ratio of
# the two ceilings, (pebble's server + client) over mock-acme's -- the rate ratio when both
# runs keep the cores busy (higher when pebble's own waits leave them idle).
# A run that fails or times out has no figure; a pebble run that deadlocks is run again on a
# fresh pebble, up to PEBBLE_RESTARTS (15) times, and its line says how many restarts it took.
# Environment: ROUNDS (3), ORDER_COUNT (400), CLIENTS ("1 4 16"), RUN_TIMEOUT (60 s),
# ACCOUNT_KEY (ec256: ES256 requests, as lego and cxxacme send; rsa2048: RS256, as certbot
# sends, whose account keys are RSA 2048 -- the certificates' keys stay P-256 either way).
another_mock_acme wait --http01-port "$HTTP_PORT" --retry-after 0 --challenge-wait-ms 1000
ROUNDS=${ROUNDS:-3}
ACCOUNT_KEY=${ACCOUNT_KEY:-ec256}
PEBBLE_RESTARTS=${PEBBLE_RESTARTS:-15}
if [ -n "${PIN:-}" ]; then placement="servers on CPU ${SERVER_CPUS:-0}, load generator on CPU ${CLIENT_CPUS:-1}"
else placement="every process on every core"; fi
echo "(account keys: $ACCOUNT_KEY; $placement)"
OCOUNT=${ORDER_COUNT:-400}
results="$work/orders.tsv"
: > "$results"
server_pid() {  # SERVER VALIDATION
  case "$1 $2" in
    "mock-acme real") echo "$MOCK_PID" ;;
    "mock-acme+wait real") echo "$WAIT_PID" ;;
    "mock-acme skipped") echo "$SKIP_PID" ;;
    "mock-acme+rsaca skipped") echo "$RSACA_PID" ;;
    "pebble real") echo "$PEBBLE_PID" ;;
    "pebble skipped") echo "$PSKIP_PID" ;;
  esac
}
# run_once SERVER PID ARGS...: one issuance_bench run; prints its line, or nothing if it did not
# finish: timed out, or (pebble) stalled. Debian's pebble 2.4.0 deadlocks under concurrent clients (its
# goroutine dump: every handler waits on MemoryStore's RWMutex, one inside FindValidAuthorization
# taking a second read lock behind a waiting writer, called from NewOrder whatever
# PEBBLE_AUTHZREUSE says), in most 400-order runs at 16 clients and now and then at 4. A pebble
# that has used no CPU for 2 s while clients wait on it is taken as deadlocked at once.
run_once() {
  local server=$1 pid=$2 out="$work/run.out" last=-1 still=0 ticks=0 now
  shift 2
  "${CLIENT_PIN[@]}" "$BENCH_BIN" "$@" > "$out" 2>&1 &
  local bench=$!
  while kill -0 "$bench" 2>/dev/null; do
    sleep 0.5
    ticks=$((ticks + 1))
    if [ "$server" = pebble ]; then
      now=$(cpu_ticks "$pid")
      if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0; last=$now; fi
      [ "$still" -ge 4 ] && { kill "$bench" 2>/dev/null; break; }
    fi
    [ "$ticks" -ge $((${RUN_TIMEOUT:-60} * 2)) ] && { kill "$bench" 2>/dev/null; break; }
  done
  wait "$bench" 2>/dev/null || true
  grep -m1 ' parallel ' "$out" || true  # its one line (a run with failures says how many)
}
measure() {  # SERVER VALIDATION MODE CLIENTS ARGS...
  local server=$1 validation=$2 mode=$3 clients=$4 line pid before after cpu restarts=0
  shift 4
  local extra=()
  [ "$mode" = protocol ] && extra=(--protocol-only)
  while :; do
    pid=$(server_pid "$server" "$validation")
    before=$(cpu_ticks "$pid")
    line=$(run_once "$server" "$pid" "$@" "${extra[@]}" --account-key-type "$ACCOUNT_KEY" \
             --count "$OCOUNT" --parallel "$clients" --label "$server $validation $mode $clients")
    after=$(cpu_ticks "$pid")
    [ -n "$line" ] || [ "$server" != pebble ] || [ "$restarts" -ge "$PEBBLE_RESTARTS" ] && break
    # pebble deadlocked (or failed): a fresh pebble, and the run again, up to PEBBLE_RESTARTS times
    restarts=$((restarts + 1))
    start_pebble "$validation"
  done
  [ "$server" = pebble ] && [ -n "$line" ] && [ "$restarts" -gt 0 ] && line="$line  (pebble restarted $restarts times first)"
  cpu=$(python3 -c "print(f'{($after - $before) * 1000 / $TICK / $OCOUNT:.2f}')")
  if [ -z "$line" ]; then
    line="$server $validation $mode $clients: failed, stalled or no answer within ${RUN_TIMEOUT:-60} s"
    [ "$server" = pebble ] && start_pebble "$validation"
  fi
  echo "$line  server CPU $cpu ms/order"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$validation" "$mode" "$clients" "$cpu" "$line" >> "$results"
}
for clients in ${CLIENTS:-1 4 16}; do
  for mode in protocol issue; do
    for round in $(seq 1 "$ROUNDS"); do
      measure mock-acme real "$mode" $clients --directory "$MOCK_DIR" --ca-bundle "$work/https-ca.pem" --http-port "$HTTP_PORT"
      measure mock-acme+wait real "$mode" $clients --directory "$WAIT_DIR" --ca-bundle "$work/wait-ca.pem" --http-port "$HTTP_PORT"
      measure pebble real "$mode" $clients --directory "https://127.0.0.1:$PEBBLE_PORT/dir" --ca-bundle "$work/pca.pem" \
        --http-port "$PEBBLE_HTTP"
      measure mock-acme skipped "$mode" $clients --directory "$SKIP_DIR" --ca-bundle "$work/skip-ca.pem"
      measure mock-acme+rsaca skipped "$mode" $clients --directory "$RSACA_DIR" --ca-bundle "$work/rsaca-ca.pem"
      measure pebble skipped "$mode" $clients --directory "https://127.0.0.1:$PSKIP_PORT/dir" --ca-bundle "$work/pca.pem"
    done
  done
done
python3 - "$results" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    server, validation, mode, clients, cpu, text = line.rstrip("\n").split("\t", 5)
    m = re.search(r"([0-9.]+) certs/s\s+p50\s+([0-9.]+) ms\s+p99\s+([0-9.]+) ms\s+failures (\d+)\s+process CPU ([0-9.]+) ms", text)
    rows.setdefault((validation, mode, int(clients), server), []).append(
        (float(m.group(1)), float(m.group(2)), float(m.group(3)), int(m.group(4)), float(cpu), float(m.group(5)))
        if m else None)
def med(v, i):
    good = [r[i] for r in v if r is not None and r[3] == 0]
    return statistics.median(good) if good else None
print()
print(f"{'validation':10} {'mode':8} {'clients':>7} {'server':15} {'orders/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'vs pebble':>9} "
      f"{'server ms/order':>15} {'capacity':>8} {'client ms/order':>15} {'machine':>8}  runs ok")
for key in sorted(rows, key=lambda k: (k[0], k[1], k[2], k[3])):
    validation, mode, clients, server = key
    v = rows[key]
    rate = med(v, 0)
    peb = med(rows.get((validation, mode, clients, "pebble"), []), 0)
    ratio = f"{rate / peb:8.2f}x" if rate and peb and server != "pebble" else ""
    cpu = med(v, 4)
    peb_cpu = med(rows.get((validation, mode, clients, "pebble"), []), 4)
    capacity = f"{peb_cpu / cpu:7.2f}x" if cpu and peb_cpu and server != "pebble" else ""
    client = med(v, 5)
    peb_client = med(rows.get((validation, mode, clients, "pebble"), []), 5)
    machine = (f"{(peb_cpu + peb_client) / (cpu + client):7.2f}x"
               if cpu and peb_cpu and client and peb_client and server != "pebble" else "")
    ok = sum(1 for r in v if r is not None and r[3] == 0)
    fmt = lambda x, w, d=1: f"{x:{w}.{d}f}" if x is not None else f"{'-':>{w}}"
    print(f"{validation:10} {mode:8} {clients:7d} {server:15} {fmt(rate, 9)} {fmt(med(v, 1), 7)} {fmt(med(v, 2), 7)} {ratio:>9} "
          f"{fmt(cpu, 15, 2)} {capacity:>8} {fmt(client, 15, 2)} {machine:>8}  {ok}/{len(v)}")
PY
