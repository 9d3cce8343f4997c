#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time.
#   scripts/fuzz.sh [SECONDS]      (default 60 per target)
# Crashes are written to build-fuzz/artifacts/. Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/install-deps.sh
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is needed (apt-get install clang)"; exit 2; }
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCXXACME_FUZZ=ON \
  -DCXXACME_BUILD_TESTS=OFF -DCXXACME_BUILD_BENCH=OFF > build-fuzz.configure.log
cmake --build build-fuzz -j "$(nproc)" --target mock_acme_request_fuzzer csr_der_fuzzer
mkdir -p build-fuzz/artifacts build-fuzz/corpus/mock_acme_request build-fuzz/corpus/csr_der
build-fuzz/fuzz/mock_acme_request_fuzzer -max_total_time="$seconds" -max_len=8192 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ build-fuzz/corpus/mock_acme_request

# csr_der: seeds are requests (first byte 0) and public keys (first byte 1) of each key type
seeds=build-fuzz/corpus/csr_der
if [ -z "$(ls -A "$seeds")" ]; then
  tmp=$(mktemp -d)
  for kt in "ec -pkeyopt ec_paramgen_curve:P-256" "ec -pkeyopt ec_paramgen_curve:P-384" \
            "ec -pkeyopt ec_paramgen_curve:P-521" "rsa:2048" "ed25519"; do
    # shellcheck disable=SC2086
    openssl req -new -newkey $kt -nodes -subj "/CN=seed.example" -addext "subjectAltName=DNS:seed.example,IP:192.0.2.1" \
      -keyout "$tmp/k.pem" -outform DER -out "$tmp/csr.der" 2>/dev/null
    name=$(echo "$kt" | tr -c 'a-zA-Z0-9' _)
    { printf '\000'; cat "$tmp/csr.der"; } > "$seeds/csr-$name"
    { printf '\001'; openssl pkey -in "$tmp/k.pem" -pubout -outform DER; } > "$seeds/key-$name"
  done
  rm -rf "$tmp"
fi
build-fuzz/fuzz/csr_der_fuzzer -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ "$seeds"
