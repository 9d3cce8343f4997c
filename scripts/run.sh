#!/usr/bin/env bash
# The main job on the embedded default: builds the `cxxacme` command and runs
# `cxxacme demo`: mock-acme in-process issues certificates, with real http-01
# validation, into a local certificate directory (./demo/certs by default).
#   scripts/run.sh [--dir DIR] [NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo > build.configure.log 2>&1 || { cat build.configure.log; exit 1; }
cmake --build build -j "$(nproc)" --target cxxacme > build.log 2>&1 || { tail -50 build.log; exit 1; }

args=("$@")
has_dir=0
for a in "${args[@]}"; do [ "$a" = "--dir" ] && has_dir=1; done
[ $has_dir -eq 1 ] || args=(--dir demo/certs "${args[@]}")
exec build/endpoints/cxxacme demo "${args[@]}"
