#!/usr/bin/env bash
# mock-acme in pebble's place: installed under the name "pebble", it runs
# what was written for Debian's pebble unchanged.
#  1. tests/interop/pebble_serve.sh, the suite's own pebble test (pebble's
#     config file with its own HTTPS certificate, -dnsserver, the
#     management interface over HTTPS), passes against it.
#  2. Debian's example configuration with external account binding, run
#     with pebble's flags in Go's other form (-config=F, -dnsserver=A, -strict=false;
#     part 1 uses "-config F") and environment:
#     the lines scripts wait for, meta.externalAccountRequired, lego
#     registering with the example's kid-1 key and getting a certificate,
#     names resolved through -dnsserver (pebble-challtestsrv: A, and AAAA
#     first, as pebble), the
#     domainBlocklist, the ocspResponderURL, pebble's 5-year certificates,
#     and newer pebbles' CRL (crlListenAddress, crlBaseURL): the certificate
#     names it, openssl verify -crl_check passes, and fails once lego has
#     revoked the certificate; the server reached as localhost (URLs follow
#     the Host header, as pebble's).
MOCK_ACME=$1
CXXACME=$2
source "$(dirname "$0")/lib.sh"
command -v lego >/dev/null || fail "lego is not installed (scripts/install-deps.sh --test installs it)"
EXAMPLE=/usr/share/doc/pebble/examples/pebble-config-external-account-bindings.json
[ -f "$EXAMPLE" ] || fail "Debian's pebble examples are missing ($EXAMPLE)"

mkdir -p "$work/bin"
ln -s "$(realpath "$MOCK_ACME")" "$work/bin/pebble"

echo "== 1. the suite's pebble test, with mock-acme as pebble"
PATH="$work/bin:$PATH" bash "$(dirname "$0")/pebble_serve.sh" "$CXXACME" > "$work/pebble_serve.out" 2>&1 \
  || { cat "$work/pebble_serve.out"; fail "pebble_serve.sh failed with mock-acme as pebble"; }
grep -q "^PASS" "$work/pebble_serve.out" || fail "pebble_serve.sh did not pass"
grep -q "issuer=.*mock-acme" "$work/pebble_serve.out" || fail "the certificates did not come from mock-acme"
echo "passed; $(grep -m1 'issuer=' "$work/pebble_serve.out")"

echo "== 2. Debian's example configuration (EAB), pebble's flags and environment"
PORT=$(free_port); MGMT=$(free_port); HTTP_PORT=$(free_port); DNS_PORT=$(free_port); CRL_PORT=$(free_port)
https_identity
# the example as Debian ships it, on loopback and free ports, with this test's
# certificate, a blocklist, an OCSP responder URL, and newer pebbles' CRL
# settings (revocations on the CRL at once)
python3 - "$EXAMPLE" "$work/pebble.json" <<PY
import json, sys
config = json.load(open(sys.argv[1]))
p = config["pebble"]
p.update(listenAddress="127.0.0.1:$PORT", managementListenAddress="127.0.0.1:$MGMT", httpPort=$HTTP_PORT,
         certificate="$work/cert.pem", privateKey="$work/key.pem", domainBlocklist=["blocked.example.test"],
         ocspResponderURL="http://127.0.0.1:4002", crlListenAddress="127.0.0.1:$CRL_PORT",
         crlBaseURL="http://127.0.0.1:$CRL_PORT/", crlMaxDelay=0)
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY
KID1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pebble"]["externalAccountMACKeys"]["kid-1"])' "$EXAMPLE")
# pebble resolves names through -dnsserver: challtestsrv answers 127.0.0.1
# for every name (and no AAAA), 127.0.0.2 for the one this test moves
# there, and ::1 as well for the one it gives an AAAA record
CTS_MGMT=$(free_port)
pebble-challtestsrv -dns01 "127.0.0.1:$DNS_PORT" -management "127.0.0.1:$CTS_MGMT" -defaultIPv6 "" \
  -http01 "" -https01 "" -tlsalpn01 "" > "$work/challtestsrv.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$CTS_MGMT/" && break; sleep 0.1; done
for _ in $(seq 1 50); do grep -q "Starting challenge servers" "$work/challtestsrv.log" && break; sleep 0.1; done
curl -sS -d '{"host":"moved.example.test","addresses":["127.0.0.2"]}' "http://127.0.0.1:$CTS_MGMT/add-a" \
  || fail "challtestsrv took no A record"
curl -sS -d '{"host":"six.example.test","addresses":["::1"]}' "http://127.0.0.1:$CTS_MGMT/add-aaaa" \
  || fail "challtestsrv took no AAAA record"
PEBBLE_VA_NOSLEEP=1 \
  "$work/bin/pebble" -config="$work/pebble.json" -dnsserver="127.0.0.1:$DNS_PORT" -strict=false > "$work/pebble.log" 2> "$work/pebble.err" &
pids+=($!)
for _ in $(seq 1 300); do grep -q "Listening on: 127.0.0.1:$PORT" "$work/pebble.log" 2>/dev/null && break; sleep 0.1; done
grep -q "Listening on: 127.0.0.1:$PORT" "$work/pebble.log" || fail "no \"Listening on\" line"
grep -q "ACME directory available at: https://127.0.0.1:$PORT/dir" "$work/pebble.log" || fail "no directory line"
DIR="https://127.0.0.1:$PORT/dir"

curl -sS --cacert "$work/ca.pem" "$DIR" > "$work/dir.json" || fail "the directory is not served with the given certificate"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["meta"]["externalAccountRequired"] is True' "$work/dir.json" \
  || fail "meta.externalAccountRequired is not true: $(cat "$work/dir.json")"
curl -sS --cacert "$work/ca.pem" "https://127.0.0.1:$MGMT/roots/0" > "$work/root0.pem" \
  || fail "the management interface is not served over HTTPS"
openssl x509 -in "$work/root0.pem" -noout || fail "/roots/0 is not a certificate"

lg=(--server "$DIR" --accept-tos --email lego@example.com --path "$work/lego" --http --http.port "127.0.0.1:$HTTP_PORT")
if LEGO_CA_CERTIFICATES="$work/ca.pem" lego "${lg[@]}" --domains noeab.example.test run > "$work/lego-noeab.log" 2>&1; then
  fail "an account without external account binding was made"
fi
grep -qi "external account binding\|externalAccountRequired" "$work/lego-noeab.log" || fail "lego was not told that binding is required: $(tail -3 "$work/lego-noeab.log")"
lg+=(--eab --kid kid-1 --hmac="$KID1")
# --must-staple: pebble copies OCSP Must-Staple into the certificate, and so does mock-acme in its place
LEGO_CA_CERTIFICATES="$work/ca.pem" lego "${lg[@]}" --domains one.example.test --domains two.example.test run --must-staple \
  > "$work/lego-run.log" 2>&1 || fail "lego with the example's kid-1 failed"
crt="$work/lego/certificates/one.example.test.crt"
openssl verify -CAfile "$work/root0.pem" -untrusted "$work/lego/certificates/one.example.test.issuer.crt" "$crt" \
  > "$work/verify.out" 2>&1 || fail "the chain does not verify: $(cat "$work/verify.out")"
# pebble's CA keys are RSA 2048 unless its file says keyAlgorithm "ecdsa"
openssl x509 -in "$work/lego/certificates/one.example.test.issuer.crt" -noout -text | grep -q "Public-Key: (2048 bit)" \
  || fail "the issuing CA's key is not RSA 2048, as pebble's"
# pebble's certificates last five years (157766400 s) unless told otherwise
days=$(python3 - "$crt" <<'PY'
import subprocess, sys, datetime
out = subprocess.run(["openssl", "x509", "-in", sys.argv[1], "-noout", "-startdate", "-enddate"], capture_output=True, text=True).stdout
d = dict(line.split("=", 1) for line in out.strip().splitlines())
parse = lambda s: datetime.datetime.strptime(s, "%b %d %H:%M:%S %Y %Z")
print((parse(d["notAfter"]) - parse(d["notBefore"])).days)
PY
)
[ "$days" -ge 1825 ] && [ "$days" -le 1827 ] || fail "the certificate lasts $days days, not pebble's five years"
ocsp=$(openssl x509 -in "$crt" -noout -ocsp_uri)
[ "$ocsp" = "http://127.0.0.1:4002" ] || fail "the certificate names \"$ocsp\" as its OCSP responder"
# what pebble's leaves carry: Must-Staple when asked (RFC 7633's status_request), clientAuth beside serverAuth
openssl x509 -in "$crt" -noout -text > "$work/lego-cert.txt"
grep -A1 "TLS Feature:" "$work/lego-cert.txt" | grep -q "status_request" || fail "no Must-Staple in the certificate"
grep -q "TLS Web Server Authentication, TLS Web Client Authentication" "$work/lego-cert.txt" || fail "not serverAuth and clientAuth, as pebble's"
echo "lego: EAB kid-1, two names, verified against /roots/0, $days days, OCSP responder $ocsp, Must-Staple, clientAuth"

# the CRL every leaf names, before and after lego revokes the certificate (keyCompromise)
CRL_URL=$(sed -n 's/^.*CRL available at: //p' "$work/pebble.log")
[[ "$CRL_URL" == "http://127.0.0.1:$CRL_PORT/crl/"*.crl ]] || fail "no \"CRL available at\" line for port $CRL_PORT: $(cat "$work/pebble.log")"
named=$(openssl x509 -in "$crt" -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')
[ "$named" = "$CRL_URL" ] || fail "the certificate names \"$named\" as its CRL, not $CRL_URL"
cp "$crt" "$work/one.crt"; cp "$work/lego/certificates/one.example.test.issuer.crt" "$work/one.issuer.crt"
crl_check() {  # the leaf against the CRL as it is now; prints openssl verify's answer
  curl -sS --fail "$CRL_URL" | openssl crl -inform DER -out "$work/crl.pem" || fail "the CRL cannot be read"
  openssl crl -in "$work/crl.pem" -noout -CAfile "$work/one.issuer.crt" 2>&1 | grep -q "verify OK" \
    || fail "the CRL is not signed by the certificate's issuer"
  openssl verify -crl_check -CRLfile "$work/crl.pem" -CAfile "$work/root0.pem" -untrusted "$work/one.issuer.crt" \
    "$work/one.crt" 2>&1 || true
}
crl_check | grep -q ": OK" || fail "before revocation, the CRL check fails: $(crl_check)"
LEGO_CA_CERTIFICATES="$work/ca.pem" lego "${lg[@]}" --domains one.example.test revoke --reason 1 \
  > "$work/lego-revoke.log" 2>&1 || fail "lego could not revoke: $(tail -3 "$work/lego-revoke.log")"
crl_check | grep -q "certificate revoked" || fail "after revocation, the CRL check passes: $(crl_check)"
openssl crl -in "$work/crl.pem" -noout -text | grep -q "Key Compromise" || fail "the CRL entry has no keyCompromise reason"
echo "CRL: named in the certificate, signed by its issuer, openssl verify -crl_check: OK, then revoked (keyCompromise)"

# a name whose A record is 127.0.0.2: validated there, where lego listens this time
lg2=("${lg[@]/127.0.0.1:$HTTP_PORT/127.0.0.2:$HTTP_PORT}")
LEGO_CA_CERTIFICATES="$work/ca.pem" lego "${lg2[@]}" --domains moved.example.test run > "$work/lego-moved.log" 2>&1 \
  || fail "moved.example.test was not validated at its A record's address: $(tail -3 "$work/lego-moved.log")"
echo "-dnsserver: moved.example.test validated at 127.0.0.2, its A record"
# a name with an AAAA record as well: IPv6 first, as pebble; lego listens on ::1 only
lg6=("${lg[@]/127.0.0.1:$HTTP_PORT/[::1]:$HTTP_PORT}")
LEGO_CA_CERTIFICATES="$work/ca.pem" lego "${lg6[@]}" --domains six.example.test run > "$work/lego-six.log" 2>&1 \
  || fail "six.example.test was not validated at its AAAA record's address: $(tail -3 "$work/lego-six.log")"
echo "-dnsserver: six.example.test validated at ::1, its AAAA record"

# reached by a name rather than its address: the URLs follow the Host header, as pebble's
lgn=(--server "https://localhost:$PORT/dir" "${lg[@]:2}")
LEGO_CA_CERTIFICATES="$work/ca.pem" lego "${lgn[@]}" --domains named.example.test run > "$work/lego-named.log" 2>&1 \
  || fail "lego could not use the server as localhost:$PORT: $(tail -3 "$work/lego-named.log")"
[ -d "$work/lego/accounts/localhost_$PORT" ] || fail "lego's account is not under localhost_$PORT: $(ls "$work/lego/accounts")"
curl -sS --cacert "$work/ca.pem" "https://localhost:$PORT/dir" | grep -q "\"https://localhost:$PORT/order-plz\"" \
  || fail "the directory fetched as localhost does not name localhost"
echo "Host: lego registered and got named.example.test through https://localhost:$PORT/dir"

if LEGO_CA_CERTIFICATES="$work/ca.pem" lego "${lg[@]}" --domains www.blocked.example.test run > "$work/lego-blocked.log" 2>&1; then
  fail "a certificate for a blocked domain was issued"
fi
grep -q "rejectedIdentifier" "$work/lego-blocked.log" || fail "no rejectedIdentifier: $(tail -3 "$work/lego-blocked.log")"
echo "domainBlocklist: www.blocked.example.test refused"

grep -q "warning" "$work/pebble.err" && fail "warnings for Debian's own example: $(cat "$work/pebble.err")"
echo "PASS"
