#!/usr/bin/env bash
# Builds cxxacme and runs the whole test suite.
#   scripts/test.sh              RelWithDebInfo build in build/
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build in build-asan/
# Extra CMake arguments: CXXACME_CMAKE_ARGS="...". Incremental when run again.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  cmake_args+=(-DCXXACME_SANITIZE=ON)
fi

scripts/install-deps.sh --test
jobs=$(nproc)
cmake -S . -B "$build_dir" "${cmake_args[@]}" ${CXXACME_CMAKE_ARGS:-} > "$build_dir.configure.log" 2>&1 \
  || { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j "$jobs"
cd "$build_dir"
exec ctest --output-on-failure -j "$jobs" --timeout 1200
