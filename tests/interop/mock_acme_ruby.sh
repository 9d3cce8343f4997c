#!/usr/bin/env bash
# Debian's ruby-acme-client (Acme::Client 2.0: Ruby, Faraday) against mock-acme,
# through every call the library has: account (ES256 and RS256), an order of two
# names validated by http-01 (answered by WEBrick in the script), finalize,
# download with the alternate chain picked (force_chain), requested validity,
# revocation with a reason and again (refused), authorization deactivation, a
# malformed name, contact update, key change, account deactivation. Every chain
# is verified with Ruby's OpenSSL against mock-acme's roots (mock_acme_ruby.rb).
# The library's own bug, a P-256 JWK whose x or y lost its leading zero byte
# (one key in about 128), is shown refused with its reason; the keys that sign
# are drawn without one, so that the test never depends on the draw.
MOCK_ACME=$1
source "$(dirname "$0")/lib.sh"
command -v ruby > /dev/null || fail "ruby is not installed (scripts/install-deps.sh --test installs ruby-acme-client)"
ruby -e 'require "acme-client"' 2> /dev/null || fail "ruby-acme-client is not installed (scripts/install-deps.sh --test)"

HTTP_PORT=$(free_port)
start_mock_acme --http01-port "$HTTP_PORT"
ruby "$(dirname "$0")/mock_acme_ruby.rb" "$DIR" "$HTTPS_CA" "$HTTP_PORT" "$MGMT" > "$work/ruby.log" 2>&1 \
  || fail "ruby-acme-client: $(tail -5 "$work/ruby.log")"
cat "$work/ruby.log"
grep -q '^PASS$' "$work/ruby.log" || fail "the Ruby script did not finish"
echo "PASS"
