#!/bin/sh
# An exec hook for cxxacme's dns-01 (`--dns-provider exec:THIS_SCRIPT`), with
# lego's exec contract:
#
#     THIS_SCRIPT present _acme-challenge.example.com. VALUE
#     THIS_SCRIPT cleanup _acme-challenge.example.com. VALUE
#
# Exit 0 when done; any other status fails the issuance, and what the script
# printed is shown in the error. cxxacme waits for the record to be visible
# itself, so the hook need not.
#
# This one sends an RFC 2136 update with nsupdate (BIND's) or knsupdate
# (Knot's). Set:
#   DNS_SERVER     the primary server, e.g. 192.0.2.1 (DNS_PORT: 53 by default)
#   DNS_ZONE       the zone, e.g. example.com
#   DNS_TSIG       the TSIG key as hmac-sha256:NAME:BASE64SECRET
#                  (or DNS_TSIG_FILE: a file holding that line)
set -eu
action=$1 fqdn=$2 value=$3
: "${DNS_SERVER:?set DNS_SERVER}" "${DNS_ZONE:?set DNS_ZONE}"
tsig=${DNS_TSIG:-$(cat "${DNS_TSIG_FILE:?set DNS_TSIG or DNS_TSIG_FILE}")}
update=$(command -v knsupdate || command -v nsupdate) || { echo "neither knsupdate nor nsupdate is installed"; exit 2; }
case "$action" in
  present) line="update add $fqdn 60 TXT \"$value\"" ;;
  cleanup) line="update delete $fqdn TXT \"$value\"" ;;
  *) echo "unknown action $action"; exit 2 ;;
esac
printf 'server %s %s\nzone %s\n%s\nsend\nquit\n' "$DNS_SERVER" "${DNS_PORT:-53}" "$DNS_ZONE" "$line" | "$update" -y "$tsig"
