#!/bin/bash
# t_rotate.sh: what a gateway token rotation revokes (issue 10 item 9;
# README "What survives a token rotation").  Takes about 5 s.
#
# The daemon keeps a generated token (token mode, <stateDir>/gateway.token);
# 127.0.0.1 is the only local peer, so a fresh device from there is paired
# silently with the shared token, and one from 127.0.0.2 waits for an
# operator's device.pair.approve.
#
# (a) `clawgate token rotate`: a device-less session opened with the old
#     token closes 4001 "gateway auth changed"; the silently paired CLI
#     device's device token is retired (its session closes, the token is
#     refused); the explicitly approved device keeps its token and its
#     open session.
# (b) `clawgate token rotate --revoke-devices`: the approved device's
#     token is retired too and its session closed.
# (c) a token kept in gateway.auth.token (rotated in the file, then a
#     reload): the same revocation.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

CLAWGATE=${CLAWGATE:-$top_builddir/clawgate}
[ -x "$CLAWGATE" ] || skip_all "$CLAWGATE is not built"

unset OPENCLAW_GATEWAY_TOKEN CLAWGATE_GATEWAY_TOKEN CLAWGATE_CONFIG \
    OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR
export HOME=$TESTDIR/home
mkdir -p "$HOME"

GONE="4001|gateway auth changed"
REVOKED="4001|client invalidated: device token revoked"
B64U43='^[A-Za-z0-9_-]{43}$'

cg()	# cg ARGS...: clawgate on the daemon's config; $OUT, $RC
{
	OUT=$("$CLAWGATE" -f "$DAEMON_CONF" "$@" 2>&1 </dev/null)
	RC=$?
}

seed()
{
	printf '%064x' "$1"
}

tok()	# tok [JQ-UPDATE...]: connect params with the shared token
{
	cparams '.auth={token:"'"$TOKEN"'"}' "$@"
}

dtok()	# dtok DEVICE-TOKEN: connect params with only the device token
{
	cparams '.auth={deviceToken:"'"$1"'"}'
}

# hold FILE ARGS...: a connection held open in the background once it
# has its hello-ok.
hold()
{
	local f=$1
	shift
	bg_ws "$f" --timeout 60000 --hold 45000 "$@"
	wait_lines "$f" '"hello-ok"' 1 100 || diag "held connection: no hello-ok"
}

# closed FILE: "CODE|REASON" once the server closed the held connection
# (waits up to 5 s), else "none".
closed()
{
	wait_lines "$1" '"ev":"close"' 1 50
	OUT=$(<"$1")
	srv_close
}

# still_open FILE: the held connection got no close.
still_open()
{
	! grep -q '"ev":"close"' "$1"
}

# devtok: the device token of the hello-ok in $OUT.
devtok()
{
	resq c1 .payload.auth.deviceToken
}

start_daemon '{"gateway": {"auth": {"mode": "token"},
    "localPeers": ["127.0.0.1/32"]}}'
TOKEN=$(head -n 1 "$DAEMON_DIR/state/gateway.token")
like "$TOKEN" "$B64U43" "the daemon generated its token"
ops()	# the operator's connect params, with the current token
{
	tok '.scopes=["operator.pairing","operator.read","operator.write"]'
}

# ---------------------------------------------------------------- set up
S1=$(seed 301)		# a CLI device on loopback: paired silently
wsr --device-seed "$S1" --connect "$(tok)"
SDT=$(devtok)
like "$SDT" "$B64U43" "silent CLI device: a device token"

R1=$(seed 302)		# a remote device: approved by an operator
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(tok)"
RID=$(resq c1 .error.details.requestId)
is "$(resq c1 .error.details.code)" PAIRING_REQUIRED \
    "remote device: pairing required"
wsr --connect "$(ops)" --then "device.pair.approve {\"requestId\":\"$RID\"}"
is "$(resq r1 .ok)" true "the operator approves it (device.pair.approve)"
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(tok)"
RDT=$(devtok)
like "$RDT" "$B64U43" "approved remote device: a device token"

wsr --connect "$(ops)" --then 'device.pair.list {}'
is "$(resq r1 '[.payload.paired[].approvedVia] | sort | join(",")')" \
    "owner,silent" "one device paired silently, one approved by the owner"

hold "$TESTDIR/h_token" --connect "$(tok '.scopes=["operator.admin"]')"
OUT=$(<"$TESTDIR/h_token")
is "$(resq c1 '.payload.auth.scopes | index("operator.admin") != null')" \
    true "a device-less CLI session with the token holds operator.admin"
hold "$TESTDIR/h_silent" --device-seed "$S1" --connect "$(dtok "$SDT")"
hold "$TESTDIR/h_approved" --bind 127.0.0.2 --device-seed "$R1" \
    --connect "$(dtok "$RDT")"
ok 'grep -q "\"device-token\"" "$TESTDIR/h_silent" &&
    grep -q "\"device-token\"" "$TESTDIR/h_approved"' \
    "both devices hold a session opened with their device token"

# ---------------------------------------------- (a) token rotate
cg token rotate
is "$RC" 0 "token rotate: exit 0"
like "$OUT" "Closed 2 sessions opened with the old token; retired 1 device token" \
    "it prints what it closed and retired"
OLD=$TOKEN
TOKEN=$(head -n 1 "$DAEMON_DIR/state/gateway.token")
isnt "$TOKEN" "$OLD" "a new token"

is "$(closed "$TESTDIR/h_token")" "$GONE" \
    "the session opened with the old token: closed 4001 gateway auth changed"
is "$(closed "$TESTDIR/h_silent")" "$REVOKED" \
    "the silent device's session: closed, its device token retired"
sleep 0.3
ok 'still_open "$TESTDIR/h_approved"' \
    "the approved device's device-token session stays open"

wsr --device-seed "$S1" --connect "$(dtok "$SDT")"
is "$(resq c1 .error.details.code)" AUTH_DEVICE_TOKEN_MISMATCH \
    "the silent device's old device token is refused"
is "$(srv_close)" "1008|unauthorized: device token mismatch (rotate/reissue device token)" \
    "... and the connection closed 1008"
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(dtok "$RDT")"
is "$(resq c1 '"\(.ok) \(.payload.auth.method)"')" "true device-token" \
    "the approved device's device token still connects"
wsr --connect "$(cparams ".auth={token:\"$OLD\"}")"
is "$(resq c1 .error.details.code)" AUTH_TOKEN_MISMATCH "the old token is refused"

wsr --connect "$(ops)" --then 'device.pair.list {}'
is "$(resq r1 '[.payload.paired[] | select(.approvedVia == "silent")
    | .tokens[0].revokedAtMs | type] | join(",")')" number \
    "device.pair.list: the silent device's token is revoked (revokedAtMs)"
is "$(resq r1 '[.payload.paired[] | select(.approvedVia == "owner")
    | .tokens[0] | has("revokedAtMs")] | join(",")')" false \
    "device.pair.list: the approved device's token is not"

# The silent device comes back with the new token: paired silently again.
wsr --device-seed "$S1" --connect "$(tok)"
SDT2=$(devtok)
ok '[[ $SDT2 =~ $B64U43 ]] && [ "$SDT2" != "$SDT" ]' \
    "with the new token the silent device gets a new device token"

LINE=$(grep 'gateway token rotated' "$DAEMON_LOG" | tail -n 1)
like "$LINE" "2 sessions opened with the old token closed, 1 device tokens retired" \
    "the log: one line with the counts"
ok '! grep -qF -e "$OLD" -e "$TOKEN" "$DAEMON_LOG"' "no token in the log"

# ------------------------------------ (b) token rotate --revoke-devices
hold "$TESTDIR/h_token2" --connect "$(tok '.scopes=["operator.admin"]')"
cg token rotate --revoke-devices --json
is "$RC" 0 "token rotate --revoke-devices: exit 0"
is "$(jq -c '[.sessionsClosed, .deviceTokensRetired, .revokeDevices]' \
    <<<"$OUT" 2>/dev/null)" "[2,2,true]" \
    "--json: 2 sessions closed, 2 device tokens retired, revokeDevices"
ok '! grep -q "\"url\":\"[^\"]*#token=[A-Za-z0-9_-]" <<<"$OUT"' \
    "--json piped: the link has no token"
TOKEN=$(head -n 1 "$DAEMON_DIR/state/gateway.token")
is "$(closed "$TESTDIR/h_approved")" "$REVOKED" \
    "the approved device's session: closed, its device token retired"
is "$(closed "$TESTDIR/h_token2")" "$GONE" \
    "the session opened with the previous token: closed"
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(dtok "$RDT")"
is "$(resq c1 .error.details.code)" AUTH_DEVICE_TOKEN_MISMATCH \
    "the approved device's device token is refused now"
wsr --device-seed "$S1" --connect "$(dtok "$SDT2")"
is "$(resq c1 .error.details.code)" AUTH_DEVICE_TOKEN_MISMATCH \
    "so is the silent device's second one"
wsr --connect "$(tok)"
is "$(resq c1 .ok)" true "the new token connects"
like "$(grep 'gateway token rotated' "$DAEMON_LOG" | tail -n 1)" \
    "2 sessions opened with the old token closed, 2 device tokens retired \\(all devices\\)" \
    "the log names the counts and all devices"

# ----------------------------------- (c) a token in gateway.auth.token
TOKEN=abcdefghijklmnopqrstuvwxyz0123456789
start_daemon '{"gateway": {"auth": {"mode": "token",
    "token": "'"$TOKEN"'"}, "localPeers": ["127.0.0.1/32"]}}'
wsr --device-seed "$S1" --connect "$(tok)"
like "$(devtok)" "$B64U43" "config token: silent device paired"
SDT=$(devtok)
hold "$TESTDIR/h_token3" --connect "$(tok)"
cg token rotate
is "$RC" 0 "config token: token rotate exit 0"
like "$OUT" "Rotated the gateway token in .*Closed 1 session opened with the old token; retired 1 device token" \
    "config token: the file is rewritten, the daemon reloaded, the counts printed"
is "$(closed "$TESTDIR/h_token3")" "$GONE" \
    "config token: the session opened with the old token is closed"
wsr --device-seed "$S1" --connect "$(dtok "$SDT")"
is "$(resq c1 .error.details.code)" AUTH_DEVICE_TOKEN_MISMATCH \
    "config token: the silent device's device token is refused"

done_testing
