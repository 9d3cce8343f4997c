#!/usr/bin/env bash
# Builds cxxacme and runs the whole test suite.
#   scripts/test.sh              RelWithDebInfo build in build/
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build in build-asan/
#   scripts/test.sh --sanitize-thread   ThreadSanitizer build in build-tsan/
# Extra CMake arguments: CXXACME_CMAKE_ARGS="...". Incremental when run again.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  cmake_args+=(-DCXXACME_SANITIZE=ON)
elif [ "${1:-}" = "--sanitize-thread" ]; then
  build_dir=build-tsan
  cmake_args+=(-DCXXACME_SANITIZE_THREAD=ON)
elif [ -n "${1:-}" ]; then
  echo "usage: scripts/test.sh [--sanitize | --sanitize-thread]" >&2
  exit 2
fi

scripts/install-deps.sh --test
jobs=$(nproc)
cmake -S . -B "$build_dir" "${cmake_args[@]}" ${CXXACME_CMAKE_ARGS:-} > "$build_dir.configure.log" 2>&1 \
  || { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j "$jobs"
cd "$build_dir"
exec ctest --output-on-failure -j "$jobs" --timeout 1200
