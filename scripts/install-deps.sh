#!/usr/bin/env bash
# Installs the Debian 12 packages cxxacme builds and tests with, when missing.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail

# Usage: install-deps.sh [--test | --bench]   (--test adds what the test
# suite runs against: the reference ACME clients and server certbot, lego,
# pebble; more clients, dehydrated, acme-tiny and uacme (with its
# tls-alpn-01 responder ualpn), lacme (with lacme-accountd and the Perl RSA module it signs with:
# Recommends, which this script does not take), acmetool, ruby-acme-client (a Ruby ACME
# library, with Ruby), Apache httpd's binaries and modules with mod_md
# (apache2-bin: no service), and Caddy (certmagic's ACME client); Knot DNS and its tools for dns-01; tinyproxy, an HTTP proxy to
# reach a CA through; iproute2 (ip, for the loopback of a test's own network
# namespace); curl; publicsuffix (the Public Suffix List file mock-acme's
# --public-suffix-list reads); Chromium, whose headless browser runs an ACME client
# written in a web page's JavaScript (CORS) and loads what `cxxacme serve` serves, with
# NSS's certutil (libnss3-tools) to give it mock-acme's root.
# --bench needs the same)
packages=(g++ cmake make pkg-config libpoco-dev libssl-dev libsqlite3-dev libidn2-dev libboost-test-dev openssl)
test_packages=(certbot lego pebble dehydrated acme-tiny uacme lacme lacme-accountd libcrypt-openssl-rsa-perl acmetool ruby-acme-client apache2-bin caddy python3 knot knot-dnsutils tinyproxy iproute2
               curl publicsuffix chromium libnss3-tools)
case "${1:-}" in
  --test) packages+=("${test_packages[@]}") ;;
  --bench) packages+=("${test_packages[@]}") ;;
  "") ;;
  *) echo "usage: install-deps.sh [--test | --bench]" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The tests start their own knotd, Caddy and tinyproxy on loopback, and run
# acmetool on a state directory of their own; Debian's packages enable
# system-wide ones (Caddy on port 80, tinyproxy on 8888, acmetool's daily
# timer), which they do not need: stop those this run installed, where systemd
# runs them. PACKAGE:UNIT
for pair in knot:knot caddy:caddy tinyproxy:tinyproxy acmetool:acmetool.timer; do
  package=${pair%%:*}
  unit=${pair#*:}
  if [[ " ${missing[*]:-} " == *" $package "* ]] && command -v systemctl > /dev/null &&
     systemctl is-active --quiet "$unit" 2>/dev/null; then
    "${sudo_cmd[@]}" systemctl disable --now "$unit" > /dev/null 2>&1 || true
  fi
done
