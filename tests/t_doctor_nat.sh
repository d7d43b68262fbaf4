#!/bin/bash
# t_doctor_nat.sh: `clawgate doctor` warns when a gateway.localPeers entry
# covers an address that carries translated remote traffic (issue 10
# item 18): Docker Desktop's 192.168.65.1, the slirp4netns gateway
# 10.0.2.2, this host's default gateway.  No daemon; about 1 s.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

CLAWGATE=${CLAWGATE:-$top_builddir/clawgate}

# nat PEERS-JSON: doctor --json on a config with those localPeers; the
# local-peer-nat findings' messages, one per line.
nat()
{
	local f=$TESTDIR/nat.json5
	jq -n --argjson p "$1" --arg s "$TESTDIR/state" --arg r "$TESTDIR/run" \
	    --argjson port "$(free_port)" '{gateway: {port: $port,
	    localPeers: $p}, clawgate: {stateDir: $s, runDir: $r}}' >"$f"
	"$CLAWGATE" -f "$f" doctor --json 2>/dev/null |
	    jq -r '.findings[] | select(.id == "local-peer-nat") | .message'
}

like "$(nat '["127.0.0.0/8", "::1", "192.168.65.1/32"]')" \
    "192.168.65.1/32 covers 192.168.65.1, Docker Desktop's host gateway" \
    "Docker Desktop's host gateway in localPeers: warned"
like "$(nat '["127.0.0.0/8", "10.0.0.0/8"]')" \
    "10.0.0.0/8 covers 10.0.2.2, the slirp4netns" \
    "a range covering the slirp4netns gateway: warned"
GW=$(awk 'NR > 1 && $2 == "00000000" && $3 != "00000000" { print $3; exit }' \
    /proc/net/route 2>/dev/null)
if [ -n "$GW" ]; then
	GWA=$(printf '%d.%d.%d.%d' 0x${GW:6:2} 0x${GW:4:2} 0x${GW:2:2} 0x${GW:0:2})
	like "$(nat '["127.0.0.0/8", "'"$GWA"'/32"]')" \
	    "covers $GWA, this host's default gateway" \
	    "the default gateway ($GWA) in localPeers: warned"
else
	skip 1 "this host has no IPv4 default route"
fi
is "$(nat '["127.0.0.0/8", "::1", "172.17.0.0/16"]')" "" \
    "loopback and a bridge subnet: no such warning"
done_testing
