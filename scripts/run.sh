#!/usr/bin/env bash
# The main job on the embedded default (builds and runs `cxxacme demo`): mock-acme in-process,
# empty entries for two names in ./demo/certs, `cxxacme serve` on loopback
# (tls-alpn-01 on its HTTPS port), one HTTPS request per name with SNI whose
# chain is verified against mock-acme's root; prints what happened and exits.
#   scripts/run.sh [--dir CERTDIR] [--keep-serving] [NAME...]
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
