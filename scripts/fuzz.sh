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
cmake --build build-fuzz -j "$(nproc)" --target mock_acme_request_fuzzer
mkdir -p build-fuzz/artifacts build-fuzz/corpus/mock_acme_request
build-fuzz/fuzz/mock_acme_request_fuzzer -max_total_time="$seconds" -max_len=8192 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ build-fuzz/corpus/mock_acme_request
