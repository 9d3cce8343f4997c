#!/usr/bin/env bash
# Debian's Apache httpd with mod_md (2.6, Apache's own ACME client) against
# mock-acme: the one client in Debian 12 that speaks ACME Renewal Information
# (RFC 9773) and certificate profiles. mock-acme requires external account
# binding, which mod_md gives. Four managed domains: one by http-01, one by
# tls-alpn-01 answered by Apache itself, a name and its wildcard by dns-01
# (mod_md's command sets the record in mock-acme's own DNS), one asking for
# the "shortlived" profile (160-hour certificates); each served by Apache once a
# graceful restart activates it, and its chain verified against mock-acme's
# root. Then mock-acme's renewalInfo moves the first one's window to the past:
# mod_md asks it, renews at once, and its new order names the certificate it
# replaces (RFC 9773 §5), as mock-acme's /cert-status-by-serial shows.
# Apache listens on 127.0.0.1 only, on free ports, and keeps its state in the
# test's directory.
MOCK_ACME=$1
source "$(dirname "$0")/lib.sh"
APACHE=/usr/sbin/apache2
MODULES=/usr/lib/apache2/modules
[ -x "$APACHE" ] && [ -f "$MODULES/mod_md.so" ] || fail "Apache with mod_md is not installed (scripts/install-deps.sh --test installs apache2-bin)"

HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
EAB_KEY=$(random_key)
start_mock_acme --http01-port "$HTTP_PORT" --tls01-port "$TLS_PORT" --eab-required --eab "apache-kid=$EAB_KEY" \
  --dns-listen 127.0.0.1:0
http_get "$MGMT/roots/0" > "$work/root0.pem"

# Apache's children run as nobody when started by root: they must reach the store
root="$work/apache"
mkdir -p "$root/logs" "$root/md"
# dns-01 through mod_md's MDChallengeDns01 command: "setup DOMAIN VALUE" and
# "teardown DOMAIN", the TXT record set in mock-acme's own DNS (--dns-listen)
cat > "$root/dns01.sh" <<EOF
#!/bin/sh
case "\$1" in
  setup) path=set-txt; body="{\\"host\\":\\"_acme-challenge.\$2.\\",\\"value\\":\\"\$3\\"}" ;;
  teardown) path=clear-txt; body="{\\"host\\":\\"_acme-challenge.\$2.\\"}" ;;
  *) exit 1 ;;
esac
echo "\$1 \$2" >> "$root/dns01.calls"
exec curl -sf -o /dev/null -d "\$body" "$MGMT/\$path"
EOF
chmod 755 "$root/dns01.sh"
: > "$root/dns01.calls"
chmod 666 "$root/dns01.calls"  # mod_md runs the command as Apache's user
chmod 711 "$work"
chmod 755 "$root" "$root/logs" "$root/md"
user=""
[ "$(id -u)" -ne 0 ] || user=$'User nobody\nGroup nogroup'
cat > "$root/httpd.conf" <<EOF
ServerRoot "$root"
ServerName localhost
Listen 127.0.0.1:$HTTP_PORT
Listen 127.0.0.1:$TLS_PORT
PidFile "$root/httpd.pid"
ErrorLog "$root/logs/error.log"
LogLevel warn md:debug
LoadModule mpm_event_module $MODULES/mod_mpm_event.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule socache_shmcb_module $MODULES/mod_socache_shmcb.so
LoadModule ssl_module $MODULES/mod_ssl.so
LoadModule md_module $MODULES/mod_md.so
$user
MDCertificateAuthority $DIR
MDCertificateAgreement accepted
MDCACertificateFile "$HTTPS_CA"
MDContactEmail apache@example.test
MDExternalAccountBinding apache-kid $EAB_KEY
MDStoreDir "$root/md"
MDPortMap http:$HTTP_PORT https:$TLS_PORT
MDRenewViaARI on
MDPrivateKeys secp256r1
<MDomain web.example.test>
  MDCAChallenges http-01
</MDomain>
<MDomain alpn.example.test>
  MDCAChallenges tls-alpn-01
</MDomain>
<MDomain wild.example.test *.wild.example.test>
  MDCAChallenges dns-01
  MDChallengeDns01 "$root/dns01.sh"
</MDomain>
<MDomain short.example.test>
  MDCAChallenges http-01
  MDProfile shortlived
  MDProfileMandatory on
</MDomain>
Protocols http/1.1 acme-tls/1
<VirtualHost 127.0.0.1:$TLS_PORT>
  ServerName web.example.test
  SSLEngine on
</VirtualHost>
<VirtualHost 127.0.0.1:$TLS_PORT>
  ServerName alpn.example.test
  SSLEngine on
</VirtualHost>
<VirtualHost 127.0.0.1:$TLS_PORT>
  ServerName wild.example.test
  ServerAlias *.wild.example.test
  SSLEngine on
</VirtualHost>
<VirtualHost 127.0.0.1:$TLS_PORT>
  ServerName short.example.test
  SSLEngine on
</VirtualHost>
<VirtualHost 127.0.0.1:$HTTP_PORT>
  ServerName localhost
  <Location /md-status>
    SetHandler md-status
  </Location>
</VirtualHost>
EOF
"$APACHE" -f "$root/httpd.conf" -t > "$work/configtest.log" 2>&1 || fail "Apache refuses its configuration: $(cat "$work/configtest.log")"
"$APACHE" -f "$root/httpd.conf" -DFOREGROUND > "$work/apache.out" 2>&1 &
pids+=($!)
APACHE_PID=$!

# staged NAME: waits (60 s at most) until mod_md has a new certificate for NAME waiting to be activated
staged() {
  for _ in $(seq 1 300); do
    [ -f "$root/md/staging/$1/pubcert.secp256r1.pem" ] && return 0
    kill -0 "$APACHE_PID" 2>/dev/null || fail "Apache stopped: $(tail -5 "$root/logs/error.log")"
    sleep 0.2
  done
  cp "$root/logs/error.log" "$work/apache-error.log"
  fail "mod_md staged no certificate for $1"
}
# served NAME: the leaf Apache serves for NAME (SNI), PEM
served() {
  echo | openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername "$1" 2>/dev/null | openssl x509 2>/dev/null
}
# activated NAME SERIAL_BEFORE: after a graceful restart, waits until Apache serves another certificate for NAME
activated() {
  for _ in $(seq 1 100); do
    serial=$(served "$1" | openssl x509 -noout -serial 2>/dev/null | cut -d= -f2)
    [ -n "$serial" ] && [ "$serial" != "$2" ] && [ ! -e "$root/md/staging/$1" ] && return 0
    sleep 0.2
  done
  fail "Apache does not serve the new certificate for $1 (serial ${serial:-none})"
}
verify_served() {  # NAME: the served leaf, against mock-acme's root, with the chain mod_md stored
  served "$1" > "$work/$1.leaf.pem"
  awk 'f;/END CERTIFICATE/{f=1}' "$root/md/domains/$1/pubcert.secp256r1.pem" > "$work/$1.chain.pem"
  verify_chain "$work/$1.leaf.pem" "$work/$1.chain.pem" "$work/root0.pem"
  openssl x509 -in "$work/$1.leaf.pem" -noout -ext subjectAltName | grep -q "DNS:$1" || fail "$1: not on its certificate"
}

echo "== four managed domains: http-01, tls-alpn-01, dns-01 (a name and its wildcard), the shortlived profile"
names="web.example.test alpn.example.test wild.example.test short.example.test"
for name in $names; do staged "$name"; done
kill -USR1 "$APACHE_PID"  # graceful restart: mod_md activates what it staged
for name in $names; do
  activated "$name" ""
  verify_served "$name"
done
openssl x509 -in "$work/wild.example.test.leaf.pem" -noout -ext subjectAltName | grep -q 'DNS:\*\.wild\.example\.test' \
  || fail "the wildcard is not on wild.example.test's certificate"
served any.wild.example.test | cmp -s - "$work/wild.example.test.leaf.pem" || fail "*.wild.example.test is not served the wildcard"
grep -q "^setup wild.example.test" "$root/dns01.calls" && grep -q "^teardown wild.example.test" "$root/dns01.calls" \
  || fail "mod_md's dns-01 command: $(cat "$root/dns01.calls" 2>/dev/null)"
dns_port=$(sed -n 's/^dns: .*://p' "$work/mock-acme.log")
[ -z "$(kdig @127.0.0.1 -p "$dns_port" TXT _acme-challenge.wild.example.test +short)" ] || fail "the TXT record was left in mock-acme's DNS"
hours() { python3 -c 'import subprocess,sys,datetime
def when(flag):
    out = subprocess.run(["openssl", "x509", "-in", sys.argv[1], "-noout", flag], capture_output=True, text=True).stdout
    return datetime.datetime.strptime(out.strip().split("=", 1)[1], "%b %d %H:%M:%S %Y %Z")
print(round((when("-enddate") - when("-startdate")).total_seconds() / 3600))' "$1"; }
[ "$(hours "$work/short.example.test.leaf.pem")" = 160 ] || fail "shortlived: $(hours "$work/short.example.test.leaf.pem") hours, not 160"
[ "$(hours "$work/web.example.test.leaf.pem")" = 2160 ] || fail "classic: $(hours "$work/web.example.test.leaf.pem") hours, not 90 days"

echo "== ARI: the window moved to the past, mod_md renews at once and says what it replaces"
status=$(curl -s "http://127.0.0.1:$HTTP_PORT/md-status")
cert_id=$(python3 -c 'import json,sys
for md in json.loads(sys.argv[1])["managed-domains"]:
    if md["name"] == "web.example.test":
        print(next(c["ari-cert-id"] for c in md["cert"].values() if isinstance(c, dict) and "ari-cert-id" in c))' "$status") || fail "no ari-cert-id in md-status: $status"
old_serial=$(openssl x509 -in "$work/web.example.test.leaf.pem" -noout -serial | cut -d= -f2)
grep -q "CA advises renew via ARI between" "$root/logs/error.log" || fail "mod_md asked no renewalInfo"
start=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)
end=$(date -u -d '-1 hours' +%Y-%m-%dT%H:%M:%SZ)
http_post "$MGMT/set-renewal-info" "{\"certID\":\"$cert_id\",\"start\":\"$start\",\"end\":\"$end\"}"
kill -USR1 "$APACHE_PID"  # mod_md asks again at startup
staged web.example.test
grep -q "CA advises renew via ARI now" "$root/logs/error.log" || fail "mod_md did not renew on ARI's word"
kill -USR1 "$APACHE_PID"
activated web.example.test "$old_serial"
verify_served web.example.test
http_get "$MGMT/cert-status-by-serial/$old_serial" > "$work/old-status.json"
grep -q '"ReplacedBy"' "$work/old-status.json" || fail "the renewal did not name the certificate it replaces: $(cat "$work/old-status.json" | head -c 300)"

echo "PASS"
