#!/bin/bash
# t_cli_remote.sh: clawgate(1) with --url, an ordinary operator client of
# the gateway's WebSocket (protocol.md §2, §3, §6, §8.2, §9): its own
# Ed25519 identity (v3 signatures) in $XDG_CONFIG_HOME/clawgate, the
# device token from hello-ok kept per URL, least-privilege scopes per
# command, secrets from a file, stdin or the environment only, and the
# gateway's errors shown verbatim with a hint that fits.
#
# gateway.localPeers is narrowed to 127.0.0.1/32, so a CLI run with
# --bind 127.0.0.2 is remote (pairing required, then approved), while one
# from 127.0.0.1 is local (silently paired).  Remote devices are
# tests/wsclient connections from 127.0.0.2 and 127.0.0.3.
. "$top_srcdir/tests/lib.sh"

CLAWGATE=${CLAWGATE:-$top_builddir/clawgate}
[ -x "$CLAWGATE" ] || skip_all "$CLAWGATE is not built"

unset OPENCLAW_GATEWAY_TOKEN CLAWGATE_GATEWAY_TOKEN OPENCLAW_GATEWAY_PASSWORD \
    CLAWGATE_GATEWAY_PASSWORD CLAWGATE_CONFIG XDG_CONFIG_HOME
export HOME=$TESTDIR/home
mkdir -p "$HOME"

CLI_A=$TESTDIR/cli-a	# the local operator's CLI (127.0.0.1)
CLI_B=$TESTDIR/cli-b	# a CLI on "another host" (--bind 127.0.0.2)
CLI_C=$TESTDIR/cli-c	# a CLI with no credential at all
CLI_R=$TESTDIR/cli-r	# for the refusals

# cgx XDGDIR ARGS...: clawgate with that config directory; stdout in
# $OUT, stderr in $ERR, status in $RC; stdin from $STDIN (default none).
cgx()
{
	local dir=$1
	shift
	XDG_CONFIG_HOME=$dir "$CLAWGATE" "$@" >"$TESTDIR/out" 2>"$TESTDIR/err" \
	    <<<"${STDIN-}"
	RC=$?
	OUT=$(<"$TESTDIR/out")
	ERR=$(<"$TESTDIR/err")
}

show()
{
	diag "stdout: $OUT"
	diag "stderr: $ERR"
	return 1
}

mode()
{
	stat -c %a "$1" 2>/dev/null
}

# b64url_sha256 KEY: hex SHA-256 of a base64url (no padding) value.
b64url_sha256()
{
	local s=${1//-/+}
	s=${s//_//}
	while [ $((${#s} % 4)) != 0 ]; do s="$s="; done
	base64 -d <<<"$s" | sha256sum | cut -d' ' -f1
}

TOKEN=$(secret)
TF=$TESTDIR/token
WRONG=$TESTDIR/wrong
printf '%s\n' "$TOKEN" >"$TF"
printf '%s\n' "$(secret)" >"$WRONG"
chmod 600 "$TF" "$WRONG"

start_daemon "$(jq -cn --arg t "$TOKEN" '{gateway: {bind: "loopback",
    auth: {mode: "token", token: $t}, localPeers: ["127.0.0.1/32"]}}')"
URL=ws://127.0.0.1:$PORT
CURL=ws://127.0.0.1:$PORT/	# as the CLI names it
UUID4='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'

# The daemon's own view, through the control socket.
local_list()
{
	"$CLAWGATE" -f "$DAEMON_CONF" devices list --json 2>/dev/null
}
FP=$("$CLAWGATE" -f "$DAEMON_CONF" gateway status 2>/dev/null |
    sed -n 's/.*fingerprint \([0-9a-f]*\).*/\1/p')
like "$FP" '^[0-9a-f]{16}$' "the daemon reports its token's fingerprint"

# ====================================================== refusals
cgx "$CLI_R" devices list --url "$URL" --token "$TOKEN"
is "$RC" 2 "--token VALUE: refused, exit 2"
contains "$ERR" "--token-file"
ok $? "--token VALUE: the message names --token-file" || show
contains "$ERR" '$CLAWGATE_GATEWAY_TOKEN'
ok $? "--token VALUE: the message names \$CLAWGATE_GATEWAY_TOKEN" || show
contains "$OUT$ERR" "$TOKEN"
ok $((!$?)) "--token VALUE: the secret is not echoed"
cgx "$CLI_R" gateway status --url "$URL" --password "$TOKEN"
is "$RC" 2 "--password VALUE: refused, exit 2"
contains "$ERR" "--password-file"
ok $? "--password VALUE: the message names --password-file" || show
cgx "$CLI_R" devices list --token-file "$TF"
is "$RC" 2 "--token-file without --url: usage error"
contains "$ERR" "only for --url"
ok $? "--token-file without --url: says it is only for --url" || show
cgx "$CLI_R" devices list --url "wss://127.0.0.1:$PORT" --token-file "$TF"
is "$RC" 1 "wss://: refused"
contains "$ERR" "SSH tunnel"
ok $? "wss://: suggests an SSH tunnel or a TLS proxy" || show
cgx "$CLI_R" devices list --url ws://192.0.2.1:18789 --token-file "$TF"
is "$RC" 1 "plain ws:// to a public address: refused before connecting"
contains "$ERR" "refusing plain ws://"
ok $? "public address: says why" || show
cgx "$CLI_R" devices list --url "ws://127.0.0.1:$PORT/?token=abc"
is "$RC" 1 "a URL carrying a token: refused"
cgx "$CLI_R" gateway stop --url "$URL" --token-file "$TF"
is "$RC" 2 "gateway stop --url: refused (no such request over WS)"
P2=$(free_port)
cgx "$CLI_R" devices list --url "ws://127.0.0.1:$P2" --token-file "$TF"
is "$RC" 1 "nothing listening: exit 1"
contains "$ERR" "cannot connect to 127.0.0.1:$P2"
ok $? "nothing listening: 'cannot connect'" || show

# ====================================================== the local CLI
cgx "$CLI_A" devices list --url "$URL" --token-file "$TF"
is "$RC" 0 "devices list --url --token-file (127.0.0.1): exit 0" || show
IDF=$CLI_A/clawgate/identity.json
TKF=$CLI_A/clawgate/device-tokens.json
is "$(mode "$IDF")" 600 "identity.json is created with mode 0600"
A_ID=$(jq -r .deviceId "$IDF" 2>/dev/null)
is "$A_ID" "$(b64url_sha256 "$(jq -r .publicKey "$IDF")")" \
    "identity: deviceId = hex sha256(raw public key)"
contains "$ERR" "created this CLI's device identity $A_ID"
ok $? "first use says the identity was created" || show
contains "$OUT" "Paired (1)"
ok $? "the CLI's identity was paired silently (local)" || show
contains "$OUT" "$A_ID"
ok $? "devices list shows the CLI's own device" || show
is "$(local_list | jq -r --arg d "$A_ID" '.paired[] | select(.deviceId == $d)
    | "\(.approvedVia) \(.scopes | join(","))"')" "silent operator.pairing" \
    "the daemon: paired silently with operator.pairing only (least privilege)"
is "$(mode "$TKF")" 600 "device-tokens.json is mode 0600"
is "$(jq -r --arg u "$CURL" '.tokens[$u] | "\(.deviceId) \(.role)"' "$TKF")" \
    "$A_ID operator" "the device token is stored for the URL and this identity"
like "$(jq -r --arg u "$CURL" '.tokens[$u].token' "$TKF")" \
    '^[A-Za-z0-9_-]{43}$' \
    "the stored device token is a 43-char base64url token"

cgx "$CLI_A" devices list --url "$URL"
is "$RC" 0 "devices list --url without a secret: the stored device token" ||
    show
contains "$ERR" "shows and changes only this device"
ok $? "device-token caller: the note says the list is self-scoped" || show

STDIN=$TOKEN cgx "$CLI_A" devices list --url "$URL" --token-file - --json
is "$RC" 0 "--token-file - reads the token from stdin" || show
is "$(jq -r '.paired | length' <<<"$OUT" 2>/dev/null)" 1 \
    "devices list --json: the gateway's {pending, paired}" || show

CLAWGATE_GATEWAY_TOKEN=$TOKEN cgx "$CLI_A" gateway status --url "$URL"
is "$RC" 0 "gateway status --url with \$CLAWGATE_GATEWAY_TOKEN: exit 0" || show
contains "$OUT" 'Credential: $CLAWGATE_GATEWAY_TOKEN'
ok $? "gateway status: names where the credential came from" || show
contains "$OUT" "Health:     OK"
ok $? "gateway status: health OK" || show
like "$OUT" "Auth: +token; role operator; scopes operator.read" \
    "gateway status: operator.read first (then what the stored token held)" ||
    show
CLAWGATE_GATEWAY_TOKEN=$TOKEN OPENCLAW_GATEWAY_TOKEN=$(secret) \
    cgx "$CLI_A" gateway status --url "$URL"
is "$RC" 1 "two differing token variables: refused"
like "$ERR" '\$CLAWGATE_GATEWAY_TOKEN and \$OPENCLAW_GATEWAY_TOKEN are both set and differ' \
    "two differing token variables: says so (no fingerprint: only the daemon can make one)"

cgx "$CLI_A" gateway status --url "$URL" --json
is "$RC" 0 "gateway status --url --json (device token): exit 0" || show
is "$(jq -r '[.ok, .hello.auth.method, (.hello.auth | has("deviceToken")),
    (.status.runtimeVersion | startswith("clawgate")), .health.ok]
    | map(tostring) | join(" ")' <<<"$OUT" 2>/dev/null)" \
    "true device-token false true true" \
    "gateway status --json: hello (no device token in it), status, health"
cgx "$CLI_A" devices list --url "$URL"
is "$RC" 0 "after gateway status, devices list still works on the token" || show

# ====================================================== approve over WS
SEED_D=$(printf '%064x' 21)
SEED_E=$(printf '%064x' 22)
D_PARAMS=$(cparams '.auth={token:"'"$TOKEN"'"}' '.client.displayName="remote-box"')
wsr --bind 127.0.0.2 --device-seed "$SEED_D" --connect "$D_PARAMS"
is "$(resq c1 .error.details.code)" PAIRING_REQUIRED \
    "device D (wsclient, 127.0.0.2): pairing required"
RID_D=$(resq c1 .error.details.requestId)
DID_D=$(q 'select(.ev == "sent") | .json.params.device.id')
like "$RID_D" "$UUID4" "device D: a requestId"

cgx "$CLI_A" devices approve "${RID_D:0:8}" --url "$URL" --token-file "$TF"
is "$RC" 0 "devices approve <prefix> --url: exit 0" || show
is "$OUT" "Approved $DID_D ($RID_D)" "devices approve --url: 'Approved <deviceId> (<requestId>)'"
wsr --bind 127.0.0.2 --device-seed "$SEED_D" --connect "$D_PARAMS"
is "$(resq c1 '.ok and .payload.type == "hello-ok"')" true \
    "device D after the approval over WS: hello-ok"
DT_OLD=$(resq c1 .payload.auth.deviceToken)

wsr --bind 127.0.0.3 --device-seed "$SEED_E" \
    --connect "$(cparams '.auth={token:"'"$TOKEN"'"}')"
RID_E=$(resq c1 .error.details.requestId)
DID_E=$(q 'select(.ev == "sent") | .json.params.device.id')
cgx "$CLI_A" devices reject "${RID_E:0:6}" --url "$URL" --token-file "$TF"
is "$RC" 0 "devices reject <prefix> --url: exit 0" || show
is "$OUT" "Rejected $DID_E" "devices reject --url: 'Rejected <deviceId>'"
cgx "$CLI_A" devices approve 00000000 --url "$URL" --token-file "$TF"
is "$RC" 1 "devices approve <unknown> --url: exit 1"
contains "$ERR" "No pending device request matches 00000000"
ok $? "devices approve <unknown> --url: the reference message" || show

cgx "$CLI_A" devices rotate --device "${DID_D:0:12}" --role operator \
    --url "$URL" --token-file "$TF"
is "$RC" 0 "devices rotate --url: exit 0" || show
like "$OUT" "^Rotated the operator token of $DID_D" "devices rotate --url: output"
wsr --bind 127.0.0.2 --device-seed "$SEED_D" \
    --connect "$(cparams '.auth={deviceToken:"'"$DT_OLD"'"}')"
is "$(resq c1 .error.details.code)" AUTH_DEVICE_TOKEN_MISMATCH \
    "device D's old device token no longer works after the rotation"
cgx "$CLI_A" devices revoke --device "$DID_D" --role operator --url "$URL" \
    --token-file "$TF"
is "$RC" 0 "devices revoke --url: exit 0" || show
cgx "$CLI_A" devices remove "${DID_D:0:12}" --url "$URL" --token-file "$TF"
is "$RC" 0 "devices remove --url: exit 0" || show
is "$OUT" "Removed $DID_D" "devices remove --url: 'Removed <deviceId>'"

# ====================================================== a remote CLI
cgx "$CLI_B" devices list --url "$URL" --bind 127.0.0.2 --token-file "$TF"
is "$RC" 1 "remote CLI (127.0.0.2), not paired: exit 1"
B_ID=$(jq -r .deviceId "$CLI_B/clawgate/identity.json" 2>/dev/null)
RID_B=$(local_list | jq -r --arg d "$B_ID" \
    '.pending[] | select(.deviceId == $d) | .requestId')
like "$RID_B" "$UUID4" "the daemon holds a pending request for the remote CLI"
contains "$ERR" "gateway connect failed: pairing required: device is not approved yet"
ok $? "remote CLI: the reference message" || show
contains "$ERR" "Request ID: $RID_B"
ok $? "remote CLI: the exact requestId" || show
contains "$ERR" "Run \`clawgate devices approve $RID_B\` on the gateway host"
ok $? "remote CLI: the approve hint" || show
is "$(local_list | jq -r --arg d "$B_ID" '.pending[] | select(.deviceId == $d)
    | "\(.remoteIp) \(.scopes | join(","))"')" "127.0.0.2 operator.pairing" \
    "the request: from 127.0.0.2, asking for operator.pairing only"
ok '[ ! -e "$CLI_B/clawgate/device-tokens.json" ]' \
    "no device token is stored before the approval"

cgx "$CLI_B" devices list --url "$URL" --bind 127.0.0.2 --token-file "$WRONG"
is "$RC" 1 "remote CLI, wrong token: exit 1"
contains "$ERR" "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)"
ok $? "remote CLI, wrong token: the reference message for a remote CLI" || show
contains "$ERR" "(fingerprint "
ok $((!$?)) "remote CLI, wrong token: no fingerprint of what was sent, remotely" ||
    show
contains "$ERR" "expects fingerprint"
ok $((!$?)) "remote CLI, wrong token: nor the one the gateway expects" ||
    show

"$CLAWGATE" -f "$DAEMON_CONF" devices approve "$RID_B" >/dev/null 2>&1
is "$?" 0 "approved on the gateway host through the control socket"
cgx "$CLI_B" devices list --url "$URL" --bind 127.0.0.2 --token-file "$TF"
is "$RC" 0 "remote CLI after approval, with the token: exit 0" || show
is "$(mode "$CLI_B/clawgate/device-tokens.json")" 600 \
    "remote CLI: its device token is stored, mode 0600"
cgx "$CLI_B" devices list --url "$URL" --bind 127.0.0.2
is "$RC" 0 "remote CLI, no secret: the stored device token works" || show
contains "$OUT" "$B_ID"
ok $? "remote CLI, no secret: lists its own device" || show
is "$(local_list | jq -r --arg d "$B_ID" '.paired[] | select(.deviceId == $d)
    | "\(.remoteIp) \(.tokens[0].lastUsedAtMs > 0)"')" "127.0.0.2 true" \
    "the daemon: the remote CLI's device token was used from 127.0.0.2"

cgx "$CLI_B" gateway status --url "$URL" --bind 127.0.0.2
is "$RC" 1 "remote CLI, no secret, a command needing more scopes: exit 1"
contains "$ERR" "unauthorized: device token scope mismatch"
ok $? "scope mismatch: the reference message" || show
contains "$ERR" "never widens"
ok $? "scope mismatch: the hint says how to ask for more" || show

# rotating its own token over WS: delivered in-band and stored
T1=$(jq -r --arg u "$CURL" '.tokens[$u].token' "$CLI_B/clawgate/device-tokens.json")
cgx "$CLI_B" devices rotate --device "$B_ID" --role operator --url "$URL" \
    --bind 127.0.0.2
is "$RC" 0 "remote CLI rotates its own token (device-token auth): exit 0" || show
T2=$(jq -r --arg u "$CURL" '.tokens[$u].token' "$CLI_B/clawgate/device-tokens.json")
isnt "$T2" "$T1" "its new token (delivered in-band) replaced the stored one"
contains "$OUT" "$T2"
ok $((!$?)) "the new token is not printed"
cgx "$CLI_B" devices list --url "$URL" --bind 127.0.0.2
is "$RC" 0 "remote CLI works with its rotated token" || show

cgx "$CLI_B" devices remove "$B_ID" --url "$URL" --bind 127.0.0.2
is "$RC" 0 "remote CLI removes its own device: exit 0" || show
contains "$ERR" "forgotten"
ok $? "removing its own device: says the stored token is forgotten" || show
is "$(jq -r --arg u "$CURL" '.tokens | has($u)' "$CLI_B/clawgate/device-tokens.json")" \
    false "removing its own device: the stored token is gone"

# ====================================================== wrong and missing credentials
cgx "$CLI_A" devices list --url "$URL" --token-file "$WRONG"
is "$RC" 1 "wrong token (local): exit 1"
contains "$ERR" "gateway connect failed: unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)"
ok $? "wrong token (local): the reference message" || show
SENT_FP=$("$CLAWGATE" -f "$DAEMON_CONF" token fingerprint --json --from-file "$WRONG" 2>/dev/null |
    jq -r .fingerprint)
contains "$ERR" "(fingerprint $SENT_FP)"
ok $? "wrong token: the fingerprint of what was sent, as the gateway made it" || show
contains "$ERR" "the gateway expects fingerprint $FP"
ok $? "wrong token (local): the fingerprint the gateway expects" || show
contains "$ERR" "clawgate token fingerprint"
ok $? "wrong token: how to check a secret on the gateway host" ||
    show
contains "$ERR$OUT" "$(head -n1 "$WRONG")"
ok $((!$?)) "wrong token: the secret itself is never printed"

cgx "$CLI_C" -f "$DAEMON_CONF" devices list --url "$URL"
is "$RC" 1 "no credential at all: exit 1"
contains "$ERR" "unauthorized: gateway token missing"
ok $? "no credential: the reference message" || show
contains "$ERR" "No credential was sent"
ok $? "no credential: says nothing was sent" || show
contains "$ERR" "Not sent: gateway.auth.token in $DAEMON_CONF."
ok $? "no credential: names the local credential that was not sent, and why" ||
    show

chmod 644 "$CLI_C/clawgate/identity.json"
cgx "$CLI_C" devices list --url "$URL" --token-file "$TF"
is "$RC" 1 "an identity readable by others: refused"
contains "$ERR" "chmod 600 $CLI_C/clawgate/identity.json"
ok $? "an identity readable by others: the fix" || show

done_testing
