#!/usr/bin/env bash
# `cxxacme issue --challenge dns-01` against the mock-acme program, with
# Debian's Knot DNS on loopback as the zone's server: the rfc2136 provider,
# and the exec provider with the documented example hook. Wildcards alone
# and beside their base name; names validated through an ancestor domain
# (RFC 9444, --ancestor-domain); bad provider settings.
CXXACME=$1
MOCK_ACME=$2
HOOK=$3
source "$(dirname "$0")/../interop/lib.sh"
command -v knotd >/dev/null || fail "knot is not installed"

KNOT_PORT=$(free_port)
SECRET=$(head -c 32 /dev/urandom | base64)
mkdir -p "$work/knot"
cat > "$work/knot/knot.conf" <<CONF
server:
    rundir: "$work/knot"
    listen: [ 127.0.0.1@$KNOT_PORT, ::1@$KNOT_PORT ]
database:
    storage: "$work/knot"
log:
  - target: stderr
    any: info
key:
  - id: acme-update
    algorithm: hmac-sha256
    secret: $SECRET
acl:
  - id: update_acl
    key: acme-update
    action: update
zone:
  - domain: example.test
    storage: "$work/knot"
    file: "example.test.zone"
    acl: update_acl
CONF
printf '$ORIGIN example.test.\n$TTL 60\n@ SOA ns hostmaster 1 3600 900 86400 60\n@ NS ns\nns A 127.0.0.1\n' > "$work/knot/example.test.zone"
# CAA records for the --check-caa step
printf 'forbidden CAA 0 issue "letsencrypt.org"\ndnsbound CAA 0 issue "cxxacme.mock; validationmethods=dns-01"\n' >> "$work/knot/example.test.zone"
# a delegated challenge name for the --dns-follow-cname step
printf '_acme-challenge.delegated CNAME delegated-target\n' >> "$work/knot/example.test.zone"
knotd -c "$work/knot/knot.conf" > "$work/knot.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $KNOT_PORT), 1)" 2>/dev/null && break; sleep 0.1; done
printf 'key "acme-update" {\n  algorithm hmac-sha256;\n  secret "%s";\n};\n' "$SECRET" > "$work/tsig.key"
chmod 600 "$work/tsig.key"

start_mock_acme --dns-server "127.0.0.1:$KNOT_PORT"
http_get "$MGMT/roots/0" > "$work/root0.pem"
common=(--directory "$DIR" --ca-bundle "$work/https-ca.pem" --store "dir:$work/certs" --challenge dns-01 --propagation-timeout 20 --quiet)

echo "== rfc2136: a wildcard alone, and beside its base name"
"$CXXACME" issue "${common[@]}" --dns-provider "rfc2136:127.0.0.1:$KNOT_PORT:example.test:$work/tsig.key" \
  '*.example.test' 'example.test,*.example.test' > "$work/rfc2136.log" 2>&1 || fail "rfc2136 issue failed: $(cat "$work/rfc2136.log")"
openssl x509 -in "$work/certs/*.example.test.pem" -noout -ext subjectAltName | grep -q 'DNS:\*.example.test' || fail "no wildcard SAN"
sans=$(openssl x509 -in "$work/certs/example.test,*.example.test.pem" -noout -ext subjectAltName | tail -1)
echo "$sans" | grep -q 'DNS:example.test' && echo "$sans" | grep -q 'DNS:\*.example.test' || fail "SANs: $sans"
[ -z "$(kdig @127.0.0.1 -p "$KNOT_PORT" TXT _acme-challenge.example.test +short 2>/dev/null || true)" ] || fail "TXT records left behind"

echo "== rfc2136 with --dns-follow-cname: _acme-challenge.delegated is a CNAME; the record goes where it leads"
"$CXXACME" issue "${common[@]}" --dns-provider "rfc2136:127.0.0.1:$KNOT_PORT:example.test:$work/tsig.key" \
  --dns-resolver "127.0.0.1:$KNOT_PORT" --dns-follow-cname delegated.example.test > "$work/cname.log" 2>&1 \
  || fail "issue through a CNAME failed: $(cat "$work/cname.log")"
openssl x509 -in "$work/certs/delegated.example.test.pem" -noout -ext subjectAltName | grep -q 'DNS:delegated.example.test' \
  || fail "no certificate for delegated.example.test"
[ -z "$(kdig @127.0.0.1 -p "$KNOT_PORT" TXT delegated-target.example.test +short 2>/dev/null || true)" ] || fail "TXT left at the target"

echo "== rfc2136 over IPv6: the primary given as [::1], and so the resolver waited on"
"$CXXACME" issue "${common[@]}" --dns-provider "rfc2136:[::1]:$KNOT_PORT:example.test:$work/tsig.key" v6.example.test \
  > "$work/rfc2136v6.log" 2>&1 || fail "rfc2136 over IPv6 failed: $(cat "$work/rfc2136v6.log")"
openssl x509 -in "$work/certs/v6.example.test.pem" -noout -ext subjectAltName | grep -q 'DNS:v6.example.test' || fail "no v6 SAN"
[ -z "$(kdig @::1 -p "$KNOT_PORT" TXT _acme-challenge.v6.example.test +short 2>/dev/null || true)" ] || fail "IPv6 TXT left behind"

echo "== exec: the example hook (knsupdate)"
DNS_SERVER=127.0.0.1 DNS_PORT=$KNOT_PORT DNS_ZONE=example.test DNS_TSIG="hmac-sha256:acme-update:$SECRET" \
  "$CXXACME" issue "${common[@]}" --dns-provider "exec:$HOOK" --dns-resolver "127.0.0.1:$KNOT_PORT" 'www.example.test,*.www.example.test' \
  > "$work/exec.log" 2>&1 || fail "exec issue failed: $(cat "$work/exec.log")"
[ -s "$work/certs/www.example.test,*.www.example.test.pem" ] || fail "exec entry missing"

echo "== --check-caa: mock-acme reads Knot's CAA records; cxxacme issue is allowed or told why not"
MOCK_ACME_NAME=caa start_mock_acme --dns-server "127.0.0.1:$KNOT_PORT" --check-caa
caa_common=(--directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/caa-certs" --challenge dns-01 --propagation-timeout 20 --quiet
            --dns-provider "rfc2136:127.0.0.1:$KNOT_PORT:example.test:$work/tsig.key")
# under dnsbound's record (dns-01 allowed), and with none up to the zone (Knot refuses "test": no record there)
"$CXXACME" issue "${caa_common[@]}" a.dnsbound.example.test plain.example.test > "$work/caa-ok.log" 2>&1 \
  || fail "issuance under CAA that allows it failed: $(cat "$work/caa-ok.log")"
[ -s "$work/caa-certs/a.dnsbound.example.test.pem" ] && [ -s "$work/caa-certs/plain.example.test.pem" ] || fail "CAA-allowed entries missing"
set +e
"$CXXACME" issue "${caa_common[@]}" forbidden.example.test > "$work/caa-refused.log" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "urn:ietf:params:acme:error:caa" "$work/caa-refused.log" && grep -q '"letsencrypt.org" names another CA' "$work/caa-refused.log" \
  || fail "CAA refusal: rc $rc $(cat "$work/caa-refused.log")"
[ ! -s "$work/caa-certs/forbidden.example.test.pem" ] || fail "a certificate CAA forbids was stored"
[ -z "$(kdig @127.0.0.1 -p "$KNOT_PORT" TXT _acme-challenge.forbidden.example.test +short 2>/dev/null || true)" ] || fail "TXT record left after the refusal"

echo "== dns-account-01: each account answers at its own TXT name (a mock-acme that offers it)"
MOCK_ACME_NAME=acct start_mock_acme --dns-server "127.0.0.1:$KNOT_PORT" --dns-account-01
# the hook records the names it is given, then publishes through the example hook
printf '#!/bin/sh\necho "$1 $2" >> "%s"\nexec "%s" "$@"\n' "$work/acct-hook.calls" "$HOOK" > "$work/acct-hook.sh"
chmod +x "$work/acct-hook.sh"
acct_common=(--directory "$DIR" --ca-bundle "$HTTPS_CA" --challenge dns-account-01 --propagation-timeout 20 --quiet
             --dns-resolver "127.0.0.1:$KNOT_PORT")
for who in one two; do
  DNS_SERVER=127.0.0.1 DNS_PORT=$KNOT_PORT DNS_ZONE=example.test DNS_TSIG="hmac-sha256:acme-update:$SECRET" \
    "$CXXACME" issue "${acct_common[@]}" --store "dir:$work/acct-$who" --dns-provider "exec:$work/acct-hook.sh" \
    'team.example.test,*.team.example.test' > "$work/acct-$who.log" 2>&1 || fail "dns-account-01 ($who) failed: $(cat "$work/acct-$who.log")"
  [ -s "$work/acct-$who/team.example.test,*.team.example.test.pem" ] || fail "dns-account-01 entry ($who) missing"
  # the label is the draft's: base32 of SHA-256 of this account's URL, first 10 bytes
  url=$("$CXXACME" account show --directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/acct-$who" | sed -n 's/^account //p')
  label=$(python3 -c "import base64,hashlib,sys; print(base64.b32encode(hashlib.sha256(sys.argv[1].encode()).digest()[:10]).decode().lower())" "$url")
  grep -qx "present _$label._acme-challenge.team.example.test." "$work/acct-hook.calls" || fail "no record at _$label: $(cat "$work/acct-hook.calls")"
  grep -qx "cleanup _$label._acme-challenge.team.example.test." "$work/acct-hook.calls" || fail "_$label not cleaned up"
  [ -z "$(kdig @127.0.0.1 -p "$KNOT_PORT" TXT "_$label._acme-challenge.team.example.test" +short 2>/dev/null || true)" ] || fail "TXT left at _$label"
  labels+=("$label")
done
[ "${labels[0]}" != "${labels[1]}" ] || fail "two accounts, one label"
! grep -q ' _acme-challenge.team' "$work/acct-hook.calls" || fail "dns-01's name was used"
# a CA that does not offer it: told what it offers
set +e
"$CXXACME" issue "${common[@]}" --challenge dns-account-01 --dns-provider "rfc2136:127.0.0.1:$KNOT_PORT:example.test:$work/tsig.key" \
  nooffer.example.test > "$work/acct-none.log" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "no responder can answer for nooffer.example.test: the CA offers http-01, tls-alpn-01, dns-01" "$work/acct-none.log" \
  || fail "dns-account-01 where it is not offered: rc $rc $(cat "$work/acct-none.log")"

echo "== --ancestor-domain (RFC 9444): names below example.test validated once, through its own TXT name"
MOCK_ACME_NAME=sub start_mock_acme --dns-server "127.0.0.1:$KNOT_PORT" --subdomain-auth
printf '#!/bin/sh\necho "$1 $2" >> "%s"\nexec "%s" "$@"\n' "$work/sub-hook.calls" "$HOOK" > "$work/sub-hook.sh"
chmod +x "$work/sub-hook.sh"
sub_common=(--directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/sub" --challenge dns-01 --propagation-timeout 20 --quiet
            --dns-resolver "127.0.0.1:$KNOT_PORT" --dns-provider "exec:$work/sub-hook.sh")
DNS_SERVER=127.0.0.1 DNS_PORT=$KNOT_PORT DNS_ZONE=example.test DNS_TSIG="hmac-sha256:acme-update:$SECRET" \
  "$CXXACME" issue "${sub_common[@]}" --ancestor-domain Example.Test 'a.sub.example.test,b.sub.example.test,*.c.example.test' \
  > "$work/sub.log" 2>&1 || fail "issue with --ancestor-domain failed: $(cat "$work/sub.log")"
sans=$(openssl x509 -in "$work/sub/a.sub.example.test,b.sub.example.test,*.c.example.test.pem" -noout -ext subjectAltName | tail -1)
for san in DNS:a.sub.example.test DNS:b.sub.example.test 'DNS:\*.c.example.test'; do
  echo "$sans" | grep -q "$san" || fail "SANs: $sans"
done
[ "$(cat "$work/sub-hook.calls")" = "$(printf 'present _acme-challenge.example.test.\ncleanup _acme-challenge.example.test.')" ] \
  || fail "one record at example.test's name expected, the hook was called: $(cat "$work/sub-hook.calls")"
set +e
"$CXXACME" issue "${sub_common[@]}" --ancestor-domain 'bad_name.test' a.example.test > "$work/sub-bad.log" 2>&1; rc=$?
set -e
[ $rc -eq 2 ] && grep -q -- "--ancestor-domain: " "$work/sub-bad.log" && grep -q "bad_name.test" "$work/sub-bad.log" \
  || fail "a bad --ancestor-domain: rc $rc $(cat "$work/sub-bad.log")"
set +e
"$CXXACME" issue "${sub_common[@]}" --ancestor-domain 'example.test,*.example.test' a.example.test > "$work/sub-wild.log" 2>&1; rc=$?
set -e
[ $rc -eq 2 ] && grep -q -- "--ancestor-domain: .*is a wildcard" "$work/sub-wild.log" || fail "a wildcard --ancestor-domain: rc $rc $(cat "$work/sub-wild.log")"

echo "== dns-persist-01: the owner publishes one standing record; issuance needs no DNS change after it"
MOCK_ACME_NAME=persist start_mock_acme --dns-server "127.0.0.1:$KNOT_PORT" --dns-persist-01
persist_common=(--directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/persist" --challenge dns-persist-01
                --dns-resolver "127.0.0.1:$KNOT_PORT" --propagation-timeout 20 --quiet)
set +e
"$CXXACME" issue "${persist_common[@]}" own.example.test > "$work/persist-missing.log" 2>&1; rc=$?
set -e
# no record and no provider: refused before the CA is asked, with the record to publish
[ $rc -eq 1 ] && grep -q "TXT _validation-persist.own.example.test did not show a record" "$work/persist-missing.log" \
  || fail "dns-persist-01 without a record: rc $rc $(cat "$work/persist-missing.log")"
record=$(sed -n 's/.*; publish "\([^"]*\)".*/\1/p' "$work/persist-missing.log")
url=$("$CXXACME" account show --directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/persist" | sed -n 's/^account //p')
[ "$record" = "cxxacme.mock; accounturi=$url" ] || fail "the record to publish: '$record' (account $url)"
# the same record, asked for before any issuance, for the name and its wildcard
"$CXXACME" account persist-record --directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/persist" \
  Own.Example.Test '*.own.example.test' > "$work/persist-record.txt" || fail "account persist-record failed"
printf '_validation-persist.own.example.test. TXT "%s"\n_validation-persist.own.example.test. TXT "%s; policy=wildcard"\n' \
  "$record" "$record" | cmp -s - "$work/persist-record.txt" || fail "persist-record printed: $(cat "$work/persist-record.txt")"
set +e
"$CXXACME" account persist-record --directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/persist" 192.0.2.1 \
  > "$work/persist-ip.log" 2>&1; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "dns-persist-01 cannot validate an IP address" "$work/persist-ip.log" || fail "persist-record for an IP: rc $rc $(cat "$work/persist-ip.log")"
# the owner publishes it by hand, once
DNS_SERVER=127.0.0.1 DNS_PORT=$KNOT_PORT DNS_ZONE=example.test DNS_TSIG="hmac-sha256:acme-update:$SECRET" \
  "$HOOK" present _validation-persist.own.example.test. "$record"
for round in 1 2; do
  "$CXXACME" issue "${persist_common[@]}" own.example.test > "$work/persist-$round.log" 2>&1 \
    || fail "dns-persist-01 issuance $round failed: $(cat "$work/persist-$round.log")"
  openssl x509 -in "$work/persist/own.example.test.pem" -noout -serial >> "$work/persist-serials"
done
[ "$(sort -u "$work/persist-serials" | wc -l)" -eq 2 ] || fail "two issuances, one certificate: $(cat "$work/persist-serials")"
[ "$(kdig @127.0.0.1 -p "$KNOT_PORT" TXT _validation-persist.own.example.test +short)" = "\"$record\"" ] || fail "the record changed"
# its wildcard needs policy=wildcard: with a provider, that record is published (and stays)
"$CXXACME" issue "${persist_common[@]}" --dns-provider "rfc2136:127.0.0.1:$KNOT_PORT:example.test:$work/tsig.key" \
  '*.own.example.test' > "$work/persist-wild.log" 2>&1 || fail "dns-persist-01 wildcard failed: $(cat "$work/persist-wild.log")"
kdig @127.0.0.1 -p "$KNOT_PORT" TXT _validation-persist.own.example.test +short | grep -qF "\"$record; policy=wildcard\"" \
  || fail "no policy=wildcard record: $(kdig @127.0.0.1 -p "$KNOT_PORT" TXT _validation-persist.own.example.test +short)"

echo "== bad settings get clear errors"
set +e
"$CXXACME" issue "${common[@]}" --dns-provider "carrier-pigeon:x" a.example.test > "$work/bad1.log" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "must be rfc2136" "$work/bad1.log" || fail "unknown provider: rc $rc $(cat "$work/bad1.log")"
"$CXXACME" issue "${common[@]}" --dns-provider "rfc2136:127.0.0.1:$KNOT_PORT:example.test:$work/missing.key" a.example.test > "$work/bad2.log" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "cannot read the TSIG key file" "$work/bad2.log" || fail "missing key: rc $rc $(cat "$work/bad2.log")"
"$CXXACME" issue "${common[@]}" --dns-provider "rfc2136:[::1:$KNOT_PORT:example.test:$work/tsig.key" a.example.test > "$work/bad6.log" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "an IPv6 ADDR is written \[ADDR\]" "$work/bad6.log" || fail "unclosed bracket: rc $rc $(cat "$work/bad6.log")"
"$CXXACME" issue "${common[@]}" --dns-provider "rfc2136:[]:$KNOT_PORT:example.test:$work/tsig.key" a.example.test > "$work/bad7.log" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "missing parts" "$work/bad7.log" || fail "empty brackets: rc $rc $(cat "$work/bad7.log")"
printf 'key "acme-update" {\n  algorithm hmac-sha256;\n  secret "%s";\n};\n' "$(head -c 32 /dev/urandom | base64)" > "$work/wrong.key"
chmod 600 "$work/wrong.key"
"$CXXACME" issue "${common[@]}" --dns-provider "rfc2136:127.0.0.1:$KNOT_PORT:example.test:$work/wrong.key" b.example.test > "$work/bad3.log" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -Eq "BADSIG|TSIG key is wrong" "$work/bad3.log" || fail "wrong key: rc $rc $(cat "$work/bad3.log")"
"$CXXACME" issue "${common[@]}" --dns-provider "rfc2136:127.0.0.1:$KNOT_PORT:example.test:$work/tsig.key" c.other.test > "$work/bad4.log" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "is not in zone example.test." "$work/bad4.log" || fail "outside the zone: rc $rc $(cat "$work/bad4.log")"
printf '#!/bin/sh\nexit 4\n' > "$work/mute.sh"; chmod +x "$work/mute.sh"
"$CXXACME" issue "${common[@]}" --dns-provider "exec:$work/mute.sh" d.example.test > "$work/bad5.log" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "exited with status 4 (it printed nothing)" "$work/bad5.log" || fail "mute hook: rc $rc $(cat "$work/bad5.log")"
set -e
[ ! -e "$work/certs/b.example.test.pem" ] || fail "a failed issuance wrote an entry"
[ -z "$(kdig @127.0.0.1 -p "$KNOT_PORT" TXT _acme-challenge.b.example.test +short 2>/dev/null || true)" ] || fail "half-published record left"
echo "== challtestsrv: records set over HTTP, in Debian's pebble-challtestsrv and in mock-acme's own DNS"
command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed"
CTS_DNS=$(free_port)
CTS_MGMT=$(free_port)
pebble-challtestsrv -dns01 "127.0.0.1:$CTS_DNS" -management "127.0.0.1:$CTS_MGMT" -http01 "" -https01 "" -tlsalpn01 "" \
  > "$work/cts.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $CTS_MGMT), 1)" 2>/dev/null && break; sleep 0.1; done
MOCK_ACME_NAME=cts start_mock_acme --dns-server "127.0.0.1:$CTS_DNS"
"$CXXACME" issue --directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/cts-certs" --challenge dns-01 --quiet \
  --propagation-timeout 20 --dns-provider "challtestsrv:http://127.0.0.1:$CTS_MGMT" --dns-resolver "127.0.0.1:$CTS_DNS" \
  'cts.example.test,*.cts.example.test' > "$work/cts-issue.log" 2>&1 || fail "challtestsrv issue failed: $(cat "$work/cts-issue.log")"
[ -s "$work/cts-certs/cts.example.test,*.cts.example.test.pem" ] || fail "challtestsrv entry missing"
[ -z "$(kdig @127.0.0.1 -p "$CTS_DNS" TXT _acme-challenge.cts.example.test +short 2>/dev/null || true)" ] || fail "TXT left in challtestsrv"
MOCK_ACME_NAME=own start_mock_acme --dns-listen 127.0.0.1:0
for _ in $(seq 1 50); do grep -q '^dns: ' "$work/own.log" && break; sleep 0.1; done
OWN_DNS=$(sed -n 's/^dns: //p' "$work/own.log")
"$CXXACME" issue --directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/own-certs" --challenge dns-01 --quiet \
  --propagation-timeout 20 --dns-provider "challtestsrv:$MGMT" --dns-resolver "$OWN_DNS" \
  'own.example.test,*.own.example.test' > "$work/own-issue.log" 2>&1 || fail "issue through mock-acme's own DNS failed: $(cat "$work/own-issue.log")"
[ -s "$work/own-certs/own.example.test,*.own.example.test.pem" ] || fail "own-DNS entry missing"
set +e
"$CXXACME" issue --directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/own-certs" --challenge dns-01 --quiet \
  --dns-provider "challtestsrv:https://127.0.0.1:1" x.example.test > "$work/cts-bad.log" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "http://HOST:PORT" "$work/cts-bad.log" || fail "https challtestsrv URL: rc $rc $(cat "$work/cts-bad.log")"
"$CXXACME" issue --directory "$DIR" --ca-bundle "$HTTPS_CA" --store "dir:$work/own-certs" --challenge dns-01 --quiet \
  --dns-provider "challtestsrv:http://127.0.0.1:$(free_port)" y.example.test > "$work/cts-down.log" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "/set-txt" "$work/cts-down.log" || fail "unreachable challtestsrv: rc $rc $(cat "$work/cts-down.log")"
set -e
echo "PASS"
