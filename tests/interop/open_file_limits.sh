#!/usr/bin/env bash
# The mock-acme and `cxxacme serve` programs and their open-file limit: a
# connection is a file descriptor, so a soft limit below the connections a
# program serves is raised to the hard limit, and a hard limit still below
# them is reported on stderr.
MOCK_ACME=$1
CXXACME=$2
source "$(dirname "$0")/lib.sh"

# run_with_limits NAME "ULIMIT ARGS" MOCK-ACME ARGS...: starts it under those limits; sets PID
run_with_limits() {
  local name=$1 limits=$2
  shift 2
  bash -c "ulimit $limits && exec \"\$0\" \"\$@\"" "$MOCK_ACME" --listen 127.0.0.1:0 --management 127.0.0.1:0 "$@" \
    > "$work/$name.log" 2> "$work/$name.err" &
  PID=$!
  pids+=($PID)
  for _ in $(seq 1 100); do grep -q '^management: ' "$work/$name.log" 2>/dev/null && break; sleep 0.1; done
  grep -q '^directory: https://127.0.0.1:' "$work/$name.log" || fail "$name did not start"
}
soft_limit() { awk '/^Max open files/ {print $4}' "/proc/$1/limits"; }
hard_limit() { awk '/^Max open files/ {print $5}' "/proc/$1/limits"; }

hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -gt 512 ] || fail "this test needs a hard open-file limit above 512 (it is $hard)"

echo "== a low soft limit is raised to the hard limit"
run_with_limits soft "-Sn 256"
[ "$(soft_limit $PID)" = "$(hard_limit $PID)" ] || fail "soft limit $(soft_limit $PID), hard $(hard_limit $PID)"
[ "$(soft_limit $PID)" != 256 ] || fail "the soft limit stayed at 256"
! grep -q "open-file limit" "$work/soft.err" || fail "a warning although the limit could be raised: $(cat "$work/soft.err")"

echo "== a hard limit below --max-connections is reported"
run_with_limits hard "-n 512" --max-connections 1000
grep -q "warning: the open-file limit (512) is below the 1000 connections" "$work/hard.err" \
  || fail "no warning: $(cat "$work/hard.err")"

echo "== and none when the connections fit"
run_with_limits fits "-n 512" --max-connections 200
! grep -q "open-file limit" "$work/fits.err" || fail "a warning although 200 connections fit: $(cat "$work/fits.err")"

# serve_with_limits NAME "ULIMIT ARGS": `cxxacme serve` under those limits, its CA
# unreachable (it serves what it has and retries); sets PID
serve_with_limits() {
  local name=$1 limits=$2
  mkdir -p "$work/www"
  bash -c "ulimit $limits && exec \"\$0\" \"\$@\"" "$CXXACME" serve --path "$work/www" \
    --listen "acme:$work/$name-certs:tcp:0:interface=127.0.0.1:directory=https\\://127.0.0.1\\:1/dir" \
    > "$work/$name.log" 2> "$work/$name.err" &
  PID=$!
  pids+=($PID)
  for _ in $(seq 1 100); do grep -q 'https on port' "$work/$name.err" 2>/dev/null && break; sleep 0.1; done
  grep -q 'https on port' "$work/$name.err" || fail "$name did not start: $(cat "$work/$name.err")"
}

echo "== cxxacme serve raises a low soft limit too"
serve_with_limits serve-soft "-Sn 256"
[ "$(soft_limit $PID)" = "$(hard_limit $PID)" ] || fail "soft limit $(soft_limit $PID), hard $(hard_limit $PID)"
! grep -q "open-file limit" "$work/serve-soft.err" || fail "a warning although the limit could be raised"

echo "== and reports a hard limit below its 4096 connections"
serve_with_limits serve-hard "-n 512"
grep -q "warning: the open-file limit (512) is below the 4096 connections" "$work/serve-hard.err" \
  || fail "no warning: $(cat "$work/serve-hard.err")"

echo "PASS"
