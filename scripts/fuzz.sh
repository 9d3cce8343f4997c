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
cmake --build build-fuzz -j "$(nproc)" --target mock_acme_request_fuzzer csr_der_fuzzer acme_response_fuzzer http_framing_fuzzer \
  caa_policy_fuzzer dns_answer_fuzzer dns_query_fuzzer server_name_fuzzer http_body_fuzzer
mkdir -p build-fuzz/artifacts build-fuzz/corpus/mock_acme_request build-fuzz/corpus/csr_der build-fuzz/corpus/acme_response \
  build-fuzz/corpus/http_framing build-fuzz/corpus/caa_policy build-fuzz/corpus/dns_answer build-fuzz/corpus/dns_query \
  build-fuzz/corpus/server_name build-fuzz/corpus/http_body
# mock_acme_request: seeds for the terms of service (endpoints 14 and 15: the agreement page, the
# management request), added to an older corpus too
seeds=build-fuzz/corpus/mock_acme_request
if [ ! -f "$seeds/terms-set" ]; then
  printf '\017\000{"url":"https://x.test/terms/2"}' > "$seeds/terms-set"
  printf '\017\000{"url":"https://x.test/terms/3","requireAgreement":false}' > "$seeds/terms-set-carried"
  printf '\017\000{"url":""}' > "$seeds/terms-none"
  printf '\016\000nobody' > "$seeds/terms-page"
  printf '\016\001nobody' > "$seeds/terms-agree"
fi
# and for the certificates a CA gets wrong (endpoint 16: the management request)
if [ ! -f "$seeds/misissue-names" ]; then
  printf '\020\000{"fault":"names","next":3}' > "$seeds/misissue-names"
  printf '\020\000{"fault":"chain","next":1}' > "$seeds/misissue-chain"
fi
if [ ! -f "$seeds/misissue-key" ]; then
  printf '\020\000{"fault":"key","next":2}' > "$seeds/misissue-key"
  printf '\020\000{"fault":"unreadable","next":1}' > "$seeds/misissue-unreadable"
fi
# and for RFC 9444 (endpoint 1 newOrder and 13 newAuthz, signed)
if [ ! -f "$seeds/ancestor-order" ]; then
  printf '\001\001{"identifiers":[{"type":"dns","value":"a.b.example.test","ancestorDomain":"example.test"},{"type":"dns","value":"*.c.example.test","ancestorDomain":"c.example.test"}]}' > "$seeds/ancestor-order"
  printf '\015\001{"identifier":{"type":"dns","value":"example.test","subdomainAuthAllowed":true}}' > "$seeds/ancestor-preauthorization"
fi
# and for a POST's HTTP fields (second byte: 32, no Content-Length; 64, a Replay-Nonce field), the
# website and own terms (endpoints 17 and 18, any path under them), renewalInfo's certID (19) and
# newOrder's replaces (1, signed)
if [ ! -f "$seeds/post-unframed" ]; then
  printf '\001\040{}' > "$seeds/post-unframed"
  printf '\001\100{}' > "$seeds/post-replay-nonce-field"
  printf '\021\000' > "$seeds/website"
  printf '\022\000/v2' > "$seeds/own-terms-version"
  printf '\017\000{"url":"/terms-of-service/v2"}' > "$seeds/terms-set-own"
  printf '\023\000AAAA.AIdlQyE' > "$seeds/renewal-info-cert-id"
  printf '\001\001{"identifiers":[{"type":"dns","value":"a.test"}],"replaces":"AAAA.AAAA"}' > "$seeds/order-replaces"
fi
# and for CORS (second byte: 8, a request with an Origin; 24, a preflight of the method that follows)
if [ ! -f "$seeds/cors-preflight" ]; then
  printf '\001\030POST' > "$seeds/cors-preflight"
  printf '\013\030GET' > "$seeds/cors-preflight-directory"
  printf '\001\010{}' > "$seeds/cors-post"
fi
build-fuzz/fuzz/mock_acme_request_fuzzer -max_total_time="$seconds" -max_len=8192 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ build-fuzz/corpus/mock_acme_request

# csr_der: seeds are requests (first byte 0), public keys (1) and private keys (2: PKCS#8 and
# the traditional form) of each key type; the private keys are added to an older corpus too
seeds=build-fuzz/corpus/csr_der
if [ -z "$(ls -A "$seeds")" ] || ! ls "$seeds" | grep -q '^pkey-'; then
  tmp=$(mktemp -d)
  for kt in "ec -pkeyopt ec_paramgen_curve:P-256" "ec -pkeyopt ec_paramgen_curve:P-384" \
            "ec -pkeyopt ec_paramgen_curve:P-521" "rsa:2048" "ed25519"; do
    # shellcheck disable=SC2086
    openssl req -new -newkey $kt -nodes -subj "/CN=seed.example" -addext "subjectAltName=DNS:seed.example,IP:192.0.2.1" \
      -keyout "$tmp/k.pem" -outform DER -out "$tmp/csr.der" 2>/dev/null
    name=$(echo "$kt" | tr -c 'a-zA-Z0-9' _)
    { printf '\000'; cat "$tmp/csr.der"; } > "$seeds/csr-$name"
    { printf '\001'; openssl pkey -in "$tmp/k.pem" -pubout -outform DER; } > "$seeds/key-$name"
    { printf '\002'; openssl pkcs8 -topk8 -nocrypt -in "$tmp/k.pem" -outform DER; } > "$seeds/pkey-$name"
    { printf '\002'; openssl pkey -in "$tmp/k.pem" -outform DER; } > "$seeds/pkey-traditional-$name"  # SEC1, PKCS#1
  done
  rm -rf "$tmp"
fi
if ! ls "$seeds" | grep -q '^csr-must-staple'; then  # RFC 7633's TLS feature extension, added to older corpora too
  tmp=$(mktemp -d)
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=seed.example" \
    -addext "subjectAltName=DNS:seed.example" -addext "tlsfeature=status_request,status_request_v2" \
    -keyout "$tmp/k.pem" -outform DER -out "$tmp/csr.der" 2>/dev/null
  { printf '\000'; cat "$tmp/csr.der"; } > "$seeds/csr-must-staple"
  rm -rf "$tmp"
fi
build-fuzz/fuzz/csr_der_fuzzer -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ "$seeds"

# acme_response: seeds are answers as a CA sends them, the first byte naming the reader
# (0 directory, 1 account, 2 authorization, 3 order, 4 problem, 5 time, 6 headers, 7 chain)
seeds=build-fuzz/corpus/acme_response
if [ -z "$(ls -A "$seeds")" ]; then
  seed() { { printf "\\$(printf '%03o' "$1")"; printf '%s' "$2"; } > "$seeds/seed-$1-$3"; }
  seed 0 '{"newNonce":"https://ca.test/n","newAccount":"https://ca.test/a","newOrder":"https://ca.test/o","renewalInfo":"https://ca.test/ari","meta":{"termsOfService":"https://ca.test/tos","caaIdentities":["ca.test"],"externalAccountRequired":false,"profiles":{"classic":"90 days","shortlived":"6 days"}}}' dir
  seed 1 '{"status":"valid","contact":["mailto:a@example.test"],"orders":"https://ca.test/acct/1/orders"}' account
  seed 2 '{"status":"pending","expires":"2026-12-10T00:00:00Z","identifier":{"type":"dns","value":"a.test"},"wildcard":true,"challenges":[{"type":"dns-01","url":"https://ca.test/c/1","token":"tok","status":"invalid","error":{"type":"urn:ietf:params:acme:error:dns","detail":"no TXT"}}]}' authz
  seed 3 '{"status":"valid","expires":"2026-12-10T00:00:00.123+01:00","identifiers":[{"type":"dns","value":"a.test"},{"type":"ip","value":"192.0.2.1"}],"authorizations":["https://ca.test/z/1"],"finalize":"https://ca.test/f/1","certificate":"https://ca.test/cert/1","profile":"classic","replaces":"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE","error":{"type":"urn:ietf:params:acme:error:rejectedIdentifier","subproblems":[{"type":"urn:ietf:params:acme:error:caa","identifier":{"type":"dns","value":"b.test"}}]}}' order
  seed 4 '{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many","status":429,"subproblems":[{"type":"urn:ietf:params:acme:error:malformed","detail":"x","identifier":{"type":"ip","value":"::1"}}],"algorithms":["ES256"]}' problem
  seed 5 '2026-12-03T18:30:05.5-08:00' time
  seed 6 "$(printf 'Thu, 03 Dec 2026 12:01:00 GMT\n<https://ca.test/cert/1/1>;rel="alternate", <https://ca.test/dir>; rel="index up"')" headers
  tmp=$(mktemp -d)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=seed root" -days 30 \
    -addext "subjectAltName=DNS:seed.example,IP:192.0.2.1" -keyout "$tmp/k.pem" -out "$tmp/c.pem" 2>/dev/null
  seed 7 "$(cat "$tmp/c.pem" "$tmp/c.pem")" chain
  rm -rf "$tmp"
fi
build-fuzz/fuzz/acme_response_fuzzer -max_total_time="$seconds" -max_len=8192 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ "$seeds"

# http_framing: seeds are what clients send on one connection
seeds=build-fuzz/corpus/http_framing
if [ -z "$(ls -A "$seeds")" ]; then
  printf 'GET /dir HTTP/1.1\r\nHost: h\r\n\r\n' > "$seeds/get"
  printf 'HEAD /nonce-plz HTTP/1.1\r\nHost: h\r\n\r\nGET /dir HTTP/1.0\r\n\r\n' > "$seeds/pipelined"
  printf 'POST /order-plz HTTP/1.1\r\nHost: h\r\nContent-Type: application/jose+json\r\nContent-Length: 5\r\n\r\nhello' > "$seeds/post"
  printf 'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: t\r\n\r\n' > "$seeds/chunked"
  # bodies near the fuzzer's 1024-byte limit, by length and by chunks
  { printf 'POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n'; head -c 1000 /dev/zero | tr '\0' a; } > "$seeds/post-near-limit"
  { printf 'POST /big HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1f4\r\n'; head -c 500 /dev/zero | tr '\0' b
    printf '\r\n1f4\r\n'; head -c 500 /dev/zero | tr '\0' c; printf '\r\n0\r\n\r\n'; } > "$seeds/chunked-near-limit"
fi
build-fuzz/fuzz/http_framing_fuzzer -max_total_time="$seconds" -max_len=4096 -timeout=20 \
  -artifact_prefix=build-fuzz/artifacts/ "$seeds"

# caa_policy: seeds are record sets as zones publish them (see the fuzzer for the layout)
seeds=build-fuzz/corpus/caa_policy
if [ -z "$(ls -A "$seeds")" ]; then
  caa_seed() {  # NAME WILDCARD METHOD then FLAGS TAG VALUE triples
    local name=$1 wild=$2 method=$3
    shift 3
    {
      printf "\\$(printf '%03o' $(($# / 3)))"
      while [ $# -ge 3 ]; do
        printf "\\$(printf '%03o' "$1")\\$(printf '%03o' ${#2})%s\\$(printf '%03o' ${#3})%s" "$2" "$3"
        shift 3
      done
      printf "\\$(printf '%03o' "$wild")%s" "$method"
    } > "$seeds/$name"
  }
  caa_seed plain 0 http-01 0 issue "ca.example"
  caa_seed params 0 dns-01 0 issue "ca.example; accounturi=https://ca.example/acct/1; validationmethods=dns-01,http-01"
  caa_seed wild 1 dns-01 0 issue "ca.example" 0 issuewild ";" 128 iodef "mailto:a@b.example"
  caa_seed critical 0 http-01 128 tbs "x" 0 issue " other.example ; policy=ev"
  # dns-persist-01 records (the same grammar): a wildcard one with persistUntil, another account's
  caa_seed persist 1 dns-persist-01 0 issue "ca.example; accounturi=https://ca.example/acct/1; policy=wildcard; persistUntil=1900000000" \
    0 issue "CA.Example.; accounturi=https://ca.example/acct/2"
fi
build-fuzz/fuzz/caa_policy_fuzzer -max_total_time="$seconds" -max_len=1024 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ "$seeds"

# dns_answer: seeds are answer messages for a.example.test (first byte: 0 A, 1 NS, 2 TXT, 3 AAAA,
# 4 CAA), made here: records at the name, a CNAME chain with the target's records, an alias alone,
# a loop, compressed names
seeds=build-fuzz/corpus/dns_answer
if [ -z "$(ls -A "$seeds")" ]; then
  python3 scripts/fuzz_dns_seeds.py answer "$seeds"
fi
build-fuzz/fuzz/dns_answer_fuzzer -max_total_time="$seconds" -max_len=2048 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ "$seeds"

# dns_query: seeds are queries for the records the target's server holds, of each type, with
# and without an EDNS OPT record, a name in another case, a CNAME loop, and a query of another opcode
seeds=build-fuzz/corpus/dns_query
if [ -z "$(ls -A "$seeds")" ]; then
  python3 scripts/fuzz_dns_seeds.py query "$seeds"
fi
build-fuzz/fuzz/dns_query_fuzzer -max_total_time="$seconds" -max_len=2048 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ "$seeds"

# server_name: seeds are names in each form: LDH, wildcard, addresses, A-labels good and bad
# (Boulder's non-NFC one), U-labels (full-width, a joiner, an emoji), store keys
seeds=build-fuzz/corpus/server_name
if [ -z "$(ls -A "$seeds")" ]; then
  i=0
  for name in www.example.com '*.Example.COM' 127.0.0.1 2001:DB8::1 xn--bcher-kva.example \
      xn--109-3veba6djs1bfxlfmx6c9g.xn--f1awi.xn--p1ai 'Bücher.example' '*.café.example' 'ａｂ。example' \
      $'a\u200db.example' $'\U0001F4A9.example' '℀.example' 'a.example, Bücher.example,127.0.0.1' '../x' 'ab--cd.example'; do
    printf '%s' "$name" > "$seeds/seed$i"
    i=$((i + 1))
  done
fi
build-fuzz/fuzz/server_name_fuzzer -max_total_time="$seconds" -max_len=1100 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ "$seeds"

# http_body: seeds are bodies after an answer's head (byte 0: 0 chunked, 1 Content-Length in bytes
# 2-3, 2 a Content-Length and 3 a Transfer-Encoding field of (byte 2 % 16) bytes from byte 4, 4
# neither; byte 1: the most a read gives), whole and cut short, the next answer after some
seeds=build-fuzz/corpus/http_body
if [ -z "$(ls -A "$seeds")" ]; then
  printf '\x00\x03\x00\x005;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\nHTTP/1.1 200 OK\r\n' > "$seeds/chunked"
  printf '\x00\x01\x00\x003\r\nabc\r\n' > "$seeds/chunked-cut"
  printf '\x00\xff\x00\x00200\r\n%s\r\n0\r\n\r\n' "$(head -c 512 /dev/zero | tr '\0' a)" > "$seeds/chunked-near-limit"
  printf '\x01\x02\x00\x0bhello worldHTTP/1.1 204 No Content\r\n' > "$seeds/length"
  printf '\x01\x02\x00\x10hello' > "$seeds/length-cut"
  printf '\x04\x40\x00\x00all of it' > "$seeds/to-the-end"
  printf '\x02\x03\x04\x005, 5hello world' > "$seeds/length-field"
  printf '\x03\x03\x07\x00chunked5\r\nhello\r\n0\r\n\r\n' > "$seeds/coding-field"
  printf '\x03\x03\x0d\x00gzip, chunked5\r\nhello\r\n0\r\n\r\n' > "$seeds/coding-not-asked-for"
fi
build-fuzz/fuzz/http_body_fuzzer -max_total_time="$seconds" -max_len=2048 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ "$seeds"
