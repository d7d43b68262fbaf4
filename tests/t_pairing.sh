#!/bin/bash
# t_pairing.sh: device identity, pairing and device tokens end to end
# (protocol.md §2.5, §4.3, §4.6, §5.2, §6, §7, §8.2; transcripts 04, 05;
# README rows 06, 07).
#
# 127.0.0.1 is the only local peer (gateway.localPeers): a fresh device
# from there is paired silently; the client binds 127.0.0.2 ... 127.0.0.9
# to act as remote hosts, whose fresh devices wait for an operator's
# approval; 127.0.0.9 is a trusted proxy.  The operators are device-less
# cli/cli clients on 127.0.0.1 with the shared token and operator.pairing
# (they keep their scopes, §5.7).
#
# clawgate's deliberate differences from the reference, tested here: no
# pruning of other silently paired devices (§7.2), and the pairing store
# (<stateDir>/authd/pairing.json) survives restarts and is never reset
# silently when damaged.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

TOKEN=abc123
UUID4='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
B64U43='^[A-Za-z0-9_-]{43}$'
UI_ORIGIN=https://ui.clawgate.test
UI_BUILD=2026.9.6-release-eb377ac59e6c-2026-09-23T16-33-12.144Z
NOT_APPROVED="pairing required: device is not approved yet"
APPROVE_HINT="Approve this device from the pending pairing requests."
DT_MISMATCH="unauthorized: device token mismatch (rotate/reissue device token)"
SCOPE_MISMATCH="unauthorized: device token scope mismatch (re-pair or approve scope upgrade)"
RW='["operator.read","operator.write"]'
NOBODY_ID=$(printf '%064d' 0)
NO_SUCH_REQUEST=00000000-0000-4000-8000-000000000000

CONFIG=$(jq -cn --arg t "$TOKEN" --arg o "$UI_ORIGIN" '{gateway: {
    auth: {mode: "token", token: $t},
    localPeers: ["127.0.0.1/32"],
    trustedProxies: ["127.0.0.9/32"],
    controlUi: {allowedOrigins: [$o]}}}')

# ------------------------------------------------------------- helpers

# seed N: a fixed Ed25519 seed per test device (64 hex digits).
seed()
{
	printf '%064x' "$1"
}

# tok [JQ-UPDATE...]: connect params with the shared token.
tok()
{
	cparams '.auth={token:"'$TOKEN'"}' "$@"
}

# dtok TOKEN [JQ-UPDATE...]: connect params with only auth.deviceToken.
dtok()
{
	local t=$1
	shift
	cparams '.auth={deviceToken:"'"$t"'"}' "$@"
}

# The Control UI's connect (the UI signs v2: pass --v2).
ui()
{
	cparams '.client={id: "openclaw-control-ui", version: "2026.9.6",
	    buildId: "'$UI_BUILD'", platform: "Linux x86_64", mode: "webchat"}' \
	    '.scopes=["operator.admin","operator.read","operator.write","operator.approvals","operator.questions","operator.pairing"]' \
	    '.auth={token:"'$TOKEN'"}'
}

# The local operators: device-less cli/cli with the shared token.  PAIRER
# has only operator.pairing (as `openclaw devices list` asks); OPS also
# holds the scopes the test devices request, which approving them and
# rotating their tokens needs (§7.6, §7.7; `devices approve` asks so).
PAIRER=$(tok '.scopes=["operator.pairing"]')
OPS=$(tok '.scopes=["operator.pairing","operator.read","operator.write"]')
READER=$(tok '.scopes=["operator.read"]')

# sent_device FIELD: a field of the device block we sent (conn 1).
sent_device()
{
	q 'select(.ev == "sent" and .conn == 1 and .json.method == "connect")
	    | .json.params.device.'"$1"
}

# rpc METHOD [PARAMS-JSON]: one call on a fresh operator connection; the
# res is r1 in $OUT.
rpc()
{
	if [ $# -gt 1 ]; then
		wsr --connect "$OPS" --then "$1 $2"
	else
		wsr --connect "$OPS" --then "$1"
	fi
}

# r1 FILTER: FILTER on the res of the call.
r1()
{
	resq r1 "$1"
}

# events NAME: the payloads (with seq) of the events NAME in $OUT.
events()
{
	qs --arg e "$1" '[.[] | select(.ev == "recv" and .json.type == "event"
	    and .json.event == $e) | .json]'
}

# list: device.pair.list into $LIST (the payload).
list()
{
	rpc device.pair.list '{}'
	LIST=$(r1 .payload)
}

pending_of()
{
	jq -cS --arg r "$1" '[.pending[] | select(.requestId == $r)]
	    | if length == 1 then .[0] else "count \(length)" end' <<<"$LIST"
}

paired_of()
{
	jq -cS --arg d "$1" '[.paired[] | select(.deviceId == $d)]
	    | if length == 1 then .[0] else "count \(length)" end' <<<"$LIST"
}

# expect_error DESC WANT_ERROR_JSON [CLOSE_REASON]: the connect res carries
# exactly this error and the server closes 1008 with the message (or the
# given reason).
expect_error()
{
	local reason=${3:-$(jq -r .message <<<"$2")}
	is "$(resq c1 '.error | del(.details.expectedFingerprint,
	    .details.providedFingerprint, .details.alsoFailed)')" \
	    "$(canon "$2")" "$1: error"
	is "$(srv_close)" "1008|$reason" "$1: close 1008 ($reason)"
}

# expect_hello DESC METHOD: hello-ok with that auth.method.
expect_hello()
{
	is "$(resq c1 '.ok and .payload.type == "hello-ok"')" true "$1: hello-ok"
	is "$(resq c1 .payload.auth.method)" "$2" "$1: auth.method $2"
}

devfail()
{
	jq -cnS --arg m "$1" --arg c "$2" --arg r "$3" \
	    '{code: "INVALID_REQUEST", message: $m, details: {code: $c, reason: $r}}'
}

autherr()
{
	# autherr MSG DETAIL_CODE AUTH_REASON NEXT_STEP
	jq -cnS --arg m "$1" --arg c "$2" --arg r "$3" --arg s "$4" \
	    '{code: "INVALID_REQUEST", message: $m, details: {code: $c,
	    authReason: $r, canRetryWithDeviceToken: false,
	    recommendedNextStep: $s}}'
}
DT_MISMATCH_ERR=$(autherr "$DT_MISMATCH" AUTH_DEVICE_TOKEN_MISMATCH \
    device_token_mismatch update_auth_credentials)

# pairing_error DEVICE_ID REQUEST_ID SCOPES-JSON [EXTRA-DETAILS-JSON]
pairing_error()
{
	jq -cnS --arg m "$NOT_APPROVED" --arg h "$APPROVE_HINT" --arg d "$1" \
	    --arg r "$2" --argjson s "$3" --argjson x "${4:-"{}"}" \
	    '{code: "NOT_PAIRED", message: $m, details: ({code: "PAIRING_REQUIRED",
	    reason: "not-paired", requestId: $r, remediationHint: $h,
	    deviceId: $d, requestedRole: "operator", requestedScopes: $s} + $x)}'
}

# recv_index JQ-COND: the position of the first frame received on
# connection 1 for which JQ-COND (on the frame) holds, or -1.
recv_index()
{
	qs '[.[] | select(.ev == "recv" and .conn == 1) | .json | '"$1"']
	    | index(true) // -1'
}

# hold FILE ARGS...: a connection held open (up to 45 s) in the
# background, once it has its hello-ok.
hold()
{
	local f=$1
	shift
	bg_ws "$f" --timeout 60000 --hold 45000 "$@"
	wait_lines "$f" '"hello-ok"' 1 100 || diag "held connection: no hello-ok"
}

# relaunch: start clawgated again on the same config and state directory
# (lib.sh's start_daemon always makes a fresh one).  0 once ready, 2 if
# the daemon exited first (status in $DAEMON_STATUS), 1 if it neither
# exited nor became ready.
relaunch()
{
	local rc
	PORT=$(free_port) || bail_out "no free port"
	HOME=$DAEMON_DIR "${_daemon_prefix[@]}" \
	    "$CLAWGATED" -d -f "$DAEMON_CONF" --port "$PORT" \
	    >>"$DAEMON_LOG" 2>&1 </dev/null &
	DAEMON_PID=$!
	_daemon_ready
	rc=$?
	if [ $rc = 2 ]; then
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_STATUS=$?
		DAEMON_PID=
	fi
	return $rc
}

start_daemon "$CONFIG"
STORE=$DAEMON_DIR/state/authd/pairing.json

# ================================================ device proofs (§6) ===
# Each check alone, then pairs of failures: the earlier check in the
# reference order (id, signedAt, nonce present, nonce match, signature)
# decides the answer.
SIGNED=$(tok '.device="SIGN"')
OLD=$(($(now_ms) - 600000))
OTHER_NONCE=$NO_SUCH_REQUEST

wsr --connect "$SIGNED" --device-id "$NOBODY_ID"
expect_error "id is not sha256(publicKey)" "$(devfail \
    "device identity mismatch" DEVICE_AUTH_DEVICE_ID_MISMATCH device-id-mismatch)"

wsr --connect "$SIGNED" --device-id "$NOBODY_ID" --signed-at "$OLD" \
    --nonce '  ' --corrupt-signature
expect_error "id mismatch wins over stale, blank nonce, bad signature" \
    "$(devfail "device identity mismatch" DEVICE_AUTH_DEVICE_ID_MISMATCH \
    device-id-mismatch)"

wsr --connect "$SIGNED" --signed-at "$OLD"
expect_error "signedAt 10 min old" "$(devfail "device signature expired" \
    DEVICE_AUTH_SIGNATURE_EXPIRED device-signature-stale)"

wsr --connect "$SIGNED" --signed-at $(($(now_ms) + 125000))
expect_error "signedAt 125 s ahead" "$(devfail "device signature expired" \
    DEVICE_AUTH_SIGNATURE_EXPIRED device-signature-stale)"

wsr --connect "$SIGNED" --signed-at "$OLD" --nonce "$OTHER_NONCE" \
    --corrupt-signature
expect_error "stale wins over nonce mismatch and bad signature" "$(devfail \
    "device signature expired" DEVICE_AUTH_SIGNATURE_EXPIRED \
    device-signature-stale)"

wsr --connect "$SIGNED" --nonce "$OTHER_NONCE"
expect_error "signed another nonce" "$(devfail "device nonce mismatch" \
    DEVICE_AUTH_NONCE_MISMATCH device-nonce-mismatch)"

wsr --connect "$SIGNED" --nonce "$OTHER_NONCE" --corrupt-signature
expect_error "nonce mismatch wins over bad signature" "$(devfail \
    "device nonce mismatch" DEVICE_AUTH_NONCE_MISMATCH device-nonce-mismatch)"

wsr --connect "$SIGNED" --nonce ''
expect_error "empty nonce (schema)" "$(jq -cn '{code: "INVALID_REQUEST",
    message: "invalid connect params: at /device/nonce: must not have fewer than 1 characters"}')"

wsr --connect "$SIGNED" --nonce '   '
expect_error "whitespace-only nonce" "$(devfail "device nonce required" \
    DEVICE_AUTH_NONCE_REQUIRED device-nonce-missing)"

wsr --connect "$SIGNED" --nonce ' ' --corrupt-signature
expect_error "blank nonce wins over bad signature" "$(devfail \
    "device nonce required" DEVICE_AUTH_NONCE_REQUIRED device-nonce-missing)"

wsr --connect "$SIGNED" --corrupt-signature
expect_error "corrupt signature" "$(devfail "device signature invalid" \
    DEVICE_AUTH_SIGNATURE_INVALID device-signature)"

wsr --connect "$SIGNED" --v2
expect_hello "v2 signature" token

wsr --connect "$(tok '.device="SIGN"' \
    '.client.platform="Linux" | .client.deviceFamily="Desktop"')"
expect_hello "v3, platform Linux, deviceFamily Desktop" token
like "$(q 'select(.ev == "signed") | .payload')" '\|linux\|desktop$' \
    "v3: platform and deviceFamily signed lowercased"

# ============================= local devices and device tokens (§7.7) ===
S1=$(seed 1)
wsr --device-seed "$S1" --connect "$(tok)"
expect_hello "local fresh device, shared token" token
D1=$(sent_device id)
DT1=$(resq c1 .payload.auth.deviceToken)
ISS1=$(resq c1 .payload.auth.issuedAtMs)
like "$DT1" "$B64U43" "silent pairing: auth.deviceToken is 43 chars base64url"
like "$ISS1" '^[0-9]{13}$' "silent pairing: auth.issuedAtMs is a ms timestamp"
is "$(resq c1 .payload.auth.scopes)" "$RW" "silent pairing: requested scopes"
is "$(resq c1 .payload.auth.role)" operator "silent pairing: role operator"

wsr --device-seed "$S1" --connect "$(tok)"
is "$(resq c1 .payload.auth.deviceToken)" "$DT1" \
    "same device again: the same deviceToken"
is "$(resq c1 .payload.auth.issuedAtMs)" "$ISS1" \
    "same device again: the same issuedAtMs"

wsr --device-seed "$S1" --connect "$(dtok "$DT1")" --then health
expect_hello "auth.deviceToken + signed device" device-token
is "$(resq c1 .payload.auth.deviceToken)" "$DT1" \
    "device-token auth: the token is echoed"
is "$(resq c1 .payload.auth.scopes)" "$RW" "device-token auth: scopes"
is "$(r1 .ok)" true "device-token auth: health works"

wsr --device-seed "$S1" --connect "$(cparams '.auth={token:"'"$DT1"'"}')"
expect_hello "device token sent in auth.token" device-token

wsr --device-seed "$S1" --connect "$(dtok "$DT1" '.scopes=["operator.read"]')"
expect_hello "device token, fewer scopes" device-token
is "$(resq c1 .payload.auth.scopes)" '["operator.read"]' \
    "device token, fewer scopes: granted as asked"
is "$(resq c1 .payload.auth.deviceToken)" "$DT1" \
    "device token, fewer scopes: the token is reused"

wsr --device-seed "$S1" --connect "$(dtok "$DT1" '.scopes=[]')"
is "$(resq c1 .payload.auth.scopes)" "[]" "device token, scopes []: hello-ok, []"

WRONG_DT=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
wsr --device-seed "$S1" --connect "$(dtok "$WRONG_DT")"
expect_error "wrong device token" "$DT_MISMATCH_ERR"

wsr --device-seed "$S1" --connect "$(dtok "$DT1" \
    '.scopes=["operator.read","operator.write","operator.admin"]')"
expect_error "device token asking for operator.admin" "$(autherr \
    "$SCOPE_MISMATCH" AUTH_SCOPE_MISMATCH scope_mismatch \
    review_auth_configuration)"

wsr --connect "$(dtok "$DT1")"
expect_error "deviceToken without a device block" "$(jq -cn '{code:
    "NOT_PAIRED", message: "device identity required", details: {code:
    "DEVICE_IDENTITY_REQUIRED"}}')"

S9=$(seed 9)
wsr --device-seed "$S9" --connect "$(dtok "$DT1")"
expect_error "another device presenting D1's token" "$DT_MISMATCH_ERR"

# --- a second local device is paired silently; D1 keeps its token --------
S2=$(seed 2)
wsr --device-seed "$S2" --connect "$(tok)"
expect_hello "second local device" token
D2=$(sent_device id)
DT2=$(resq c1 .payload.auth.deviceToken)
like "$DT2" "$B64U43" "second local device: its own deviceToken"
isnt "$DT2" "$DT1" "second local device: a different token"
wsr --device-seed "$S1" --connect "$(dtok "$DT1")"
expect_hello "first device's token after the second pairing (no pruning)" \
    device-token

list
is "$(paired_of "$D1" | jq -r .approvedVia)" silent "D1 approvedVia silent"
is "$(paired_of "$D2" | jq -r .approvedVia)" silent "D2 approvedVia silent"
is "$(paired_of "$D1" | jq -c '[.tokens[] | {role, scopes}]')" \
    '[{"role":"operator","scopes":["operator.read","operator.write"]}]' \
    "list: D1's tokens is an array of {role, scopes, ...}"
is "$(paired_of "$D1" | jq -r '.tokens[0].createdAtMs')" "$ISS1" \
    "list: D1's token createdAtMs is the issuedAtMs of hello-ok"
is "$(paired_of "$D1" | jq -r 'has("remoteIp")')" false \
    "list: no remoteIp for a direct-local device"

# ============================================ the pairing scope (§4.6) ===
wsr --connect "$READER" --then 'device.pair.list {}'
is "$(resq c1 .payload.auth.scopes)" '["operator.read"]' \
    "reader: device-less loopback cli keeps its scopes"
is "$(r1 .error)" "$(jq -cnS '{code: "FORBIDDEN", message:
    "missing scope: operator.pairing", details: {code: "MISSING_SCOPE",
    missingScope: "operator.pairing", requiredScopes: ["operator.pairing"]}}')" \
    "device.pair.list without operator.pairing: FORBIDDEN missing scope"
wsr --connect "$READER" --then \
    "device.pair.approve {\"requestId\":\"$NO_SUCH_REQUEST\"}"
is "$(r1 .error.message)" "missing scope: operator.pairing" \
    "device.pair.approve without operator.pairing: missing scope"

wsr --connect "$PAIRER" --then 'device.pair.list {"x":1}'
is "$(resq c1 .payload.auth.scopes)" '["operator.pairing"]' \
    "operator: device-less loopback cli keeps operator.pairing"
is "$(r1 .error)" "$(jq -cnS '{code: "INVALID_REQUEST", message:
    "invalid device.pair.list params: at root: unexpected property '"'x'"'"}')" \
    "device.pair.list with a stray property: invalid params"

# ===================================== remote devices wait (§7.3, §7.4) ===
WATCH=$TESTDIR/watch.out
hold "$WATCH" --connect "$PAIRER"

R1=$(seed 101)
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(tok)"
RD1=$(sent_device id)
RPK1=$(sent_device publicKey)
RID1=$(resq c1 .error.details.requestId)
like "$RID1" "$UUID4" "remote fresh device: requestId is a UUID"
expect_error "remote fresh device, right token" \
    "$(pairing_error "$RD1" "$RID1" "$RW")" "$NOT_APPROVED (requestId: $RID1)"

wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(tok)"
is "$(resq c1 .error.details.requestId)" "$RID1" \
    "remote retry, same key: the same requestId"
expect_error "remote retry" "$(pairing_error "$RD1" "$RID1" "$RW")" \
    "$NOT_APPROVED (requestId: $RID1)"

U1=$(seed 201)
wsr --bind 127.0.0.3 -H "Origin: $UI_ORIGIN" --v2 --device-seed "$U1" \
    --connect "$(ui)"
UD1=$(sent_device id)
URID=$(resq c1 .error.details.requestId)
like "$URID" "$UUID4" "remote Control UI: requestId is a UUID"
expect_error "remote Control UI (allowed Origin)" "$(pairing_error "$UD1" \
    "$URID" "$(ui | jq -c .scopes)" '{"recommendedNextStep": "wait_then_retry",
    "retryable": true, "pauseReconnect": false}')" "$NOT_APPROVED (requestId: $URID)"

wait_lines "$WATCH" '"device\.pair\.requested"' 2 100
OUT=$(<"$WATCH")
REQ_EVS=$(events device.pair.requested)
is "$(jq length <<<"$REQ_EVS")" 2 \
    "watcher: one device.pair.requested per new request (not per retry)"
WANT_PENDING1=$(jq -cnS --arg r "$RID1" --arg d "$RD1" --arg k "$RPK1" \
    '{requestId: $r, deviceId: $d, publicKey: $k, platform: "linux",
    clientId: "cli", clientMode: "cli", role: "operator",
    roles: ["operator"], scopes: ["operator.read", "operator.write"],
    remoteIp: "127.0.0.2", silent: false, isRepair: false}')
is "$(jq -cS '.[0].payload | del(.ts)' <<<"$REQ_EVS")" "$WANT_PENDING1" \
    "watcher: device.pair.requested carries the pending record"
like "$(jq -r '.[0].payload.ts' <<<"$REQ_EVS")" '^[0-9]{13}$' \
    "watcher: the record's ts is a ms timestamp"
like "$(jq -r '[.[].seq] | map(tostring) | join(",")' <<<"$REQ_EVS")" \
    '^[0-9]+,[0-9]+$' "watcher: events carry seq"
ok '[ "$(jq "(.[1].seq - .[0].seq)" <<<"$REQ_EVS")" -ge 1 ]' \
    "watcher: seq increases"
is "$(jq -r '.[1].payload.requestId' <<<"$REQ_EVS")" "$URID" \
    "watcher: the Control UI's request too"
is "$(jq -r '.[1].payload.browserOrigin' <<<"$REQ_EVS")" "$UI_ORIGIN" \
    "watcher: the Control UI's request has browserOrigin"

list
is "$(pending_of "$RID1" | jq -cS 'del(.ts)')" "$WANT_PENDING1" \
    "list: the pending request with the pending-record fields"
is "$(pending_of "$RID1" | jq -r 'has("refreshedAtMs")')" false \
    "list: no internal refreshedAtMs"
is "$(jq -r '[.paired[] | .tokens | type] | unique | join(",")' <<<"$LIST")" \
    array "list: every paired device's tokens is an array"
is "$(jq -r '[.. | objects | has("token") or has("approvedScopes")] | any' \
    <<<"$LIST")" false "list: no token value, no approvedScopes"
is "$(jq -r '[.paired[] | .connected | type] | unique | join(",")' \
    <<<"$LIST")" boolean "list: every paired device has connected (bool)"
is "$(grep -cF -e "$DT1" -e "$DT2" <<<"$OUT")" 0 \
    "list: no device token string anywhere in the answer"

# =========================================== approve / reject (§7.6) ===
wsr --connect "$PAIRER" --then "device.pair.approve {\"requestId\":\"$RID1\"}"
is "$(r1 .error)" \
    '{"code":"INVALID_REQUEST","message":"missing scope: operator.read"}' \
    "approve without the requested scopes: missing scope"
rpc device.pair.approve "{\"requestId\":\"$RID1\"}"
is "$(r1 '.payload | {requestId, deviceId: .device.deviceId}')" \
    "$(jq -cnS --arg r "$RID1" --arg d "$RD1" '{requestId: $r, deviceId: $d}')" \
    "approve: {requestId, device: {deviceId, ...}}"
is "$(r1 '.payload.device | {approvedVia, tokens: [.tokens[] | {role, scopes}],
    remoteIp}')" "$(jq -cnS '{approvedVia: "owner", remoteIp: "127.0.0.2",
    tokens: [{role: "operator", scopes: ["operator.read", "operator.write"]}]}')" \
    "approve: the device record (owner, operator token, remoteIp)"
is "$(r1 '.payload.device | [has("connected"), has("approvedScopes"),
    ([.. | objects | has("token")] | any)] | any')" false \
    "approve: no connected, approvedScopes or token value in the record"
RES_EVS=$(events device.pair.resolved)
is "$(jq -cS '[.[].payload | del(.ts)]' <<<"$RES_EVS")" "$(jq -cnS \
    --arg r "$RID1" --arg d "$RD1" '[{requestId: $r, deviceId: $d,
    decision: "approved"}]')" "approve: device.pair.resolved (approved)"
like "$(jq -r '.[0].payload.ts' <<<"$RES_EVS")" '^[0-9]{13}$' \
    "approve: the resolved event's ts"
like "$(jq -r '.[0].seq' <<<"$RES_EVS")" '^[0-9]+$' \
    "approve: the resolved event carries seq"
ev_at=$(recv_index '.type == "event" and .event == "device.pair.resolved"')
res_at=$(recv_index '.type == "res" and .id == "r1"')
ok '[ "$ev_at" -ge 0 ] && [ "$ev_at" -lt "$res_at" ]' \
    "approve: the event arrives before the res"

wait_lines "$WATCH" '"device\.pair\.resolved"' 1 100
OUT=$(<"$WATCH")
is "$(events device.pair.resolved | jq -r '.[0].payload | "\(.requestId) \(.decision)"')" \
    "$RID1 approved" "watcher: device.pair.resolved arrives too"

wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(tok)"
expect_hello "approved remote device, shared token" token
is "$(resq c1 .payload.auth.scopes)" "$RW" "approved remote device: its scopes"
RDT1=$(resq c1 .payload.auth.deviceToken)
like "$RDT1" "$B64U43" "approved remote device: gets a deviceToken"
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(dtok "$RDT1")"
expect_hello "approved remote device, device token only" device-token

list
is "$(pending_of "$RID1")" '"count 0"' "list: the approved request is gone"
is "$(paired_of "$RD1" | jq -r '"\(.approvedVia) \(.remoteIp)"')" \
    "owner 127.0.0.2" "list: the approved device is paired (owner, remoteIp)"

rpc device.pair.approve "{\"requestId\":\"$RID1\"}"
is "$(r1 .error)" '{"code":"INVALID_REQUEST","message":"unknown requestId"}' \
    "approve an already approved request: unknown requestId"

R2=$(seed 102)
wsr --bind 127.0.0.4 --device-seed "$R2" --connect "$(tok)"
RD2=$(sent_device id)
RID2=$(resq c1 .error.details.requestId)
is "$(resq c1 .error.details.code)" PAIRING_REQUIRED "second remote device waits"
rpc device.pair.reject "{\"requestId\":\"$RID2\"}"
is "$(r1 .payload)" "$(jq -cnS --arg r "$RID2" --arg d "$RD2" \
    '{requestId: $r, deviceId: $d}')" "reject: {requestId, deviceId}"
is "$(events device.pair.resolved | jq -cS '[.[].payload | del(.ts)]')" \
    "$(jq -cnS --arg r "$RID2" --arg d "$RD2" '[{requestId: $r,
    deviceId: $d, decision: "rejected"}]')" \
    "reject: device.pair.resolved (rejected)"
list
is "$(pending_of "$RID2")" '"count 0"' "reject: the request is gone"
is "$(paired_of "$RD2")" '"count 0"' "reject: the device is not paired"
wsr --bind 127.0.0.4 --device-seed "$R2" --connect "$(tok)"
RID2B=$(resq c1 .error.details.requestId)
is "$(resq c1 .error.details.code)" PAIRING_REQUIRED \
    "rejected device retries: pairing required again"
isnt "$RID2B" "$RID2" "rejected device retries: a new requestId"

rpc device.pair.approve "{\"requestId\":\"$NO_SUCH_REQUEST\"}"
is "$(r1 .error)" '{"code":"INVALID_REQUEST","message":"unknown requestId"}' \
    "approve an unknown requestId"
rpc device.pair.reject "{\"requestId\":\"$NO_SUCH_REQUEST\"}"
is "$(r1 .error)" '{"code":"INVALID_REQUEST","message":"unknown requestId"}' \
    "reject an unknown requestId"

# --- a retry asking for more supersedes; a subset reuses (§7.3) ---------
WATCH2=$TESTDIR/watch2.out
hold "$WATCH2" --connect "$PAIRER"
R4=$(seed 104)
wsr --bind 127.0.0.6 --device-seed "$R4" --connect "$(tok '.scopes=["operator.read"]')"
RD4=$(sent_device id)
RID4A=$(resq c1 .error.details.requestId)
wsr --bind 127.0.0.6 --device-seed "$R4" --connect "$(tok)"
RID4B=$(resq c1 .error.details.requestId)
like "$RID4B" "$UUID4" "retry with more scopes: pairing required again"
isnt "$RID4B" "$RID4A" "retry with more scopes: a new requestId"
wsr --bind 127.0.0.6 --device-seed "$R4" --connect "$(tok '.scopes=["operator.read"]')"
is "$(resq c1 .error.details.requestId)" "$RID4B" \
    "retry with a subset of the scopes: the same requestId"
list
is "$(pending_of "$RID4A")" '"count 0"' "superseded request: gone"
is "$(pending_of "$RID4B" | jq -c .scopes)" "$RW" \
    "superseding request: the scopes asked for"
wait_lines "$WATCH2" '"device\.pair\.requested"' 2 100
wait_lines "$WATCH2" '"device\.pair\.resolved"' 1 100
OUT=$(<"$WATCH2")
is "$(events device.pair.requested | jq -c '[.[].payload.requestId]')" \
    "$(jq -cn --arg a "$RID4A" --arg b "$RID4B" '[$a, $b]')" \
    "watcher: device.pair.requested for both requests"
is "$(events device.pair.resolved | jq -cS '[.[].payload | del(.ts)]')" \
    "$(jq -cnS --arg r "$RID4A" --arg d "$RD4" '[{requestId: $r,
    deviceId: $d, decision: "rejected"}]')" \
    "watcher: the superseded request is resolved as rejected"

# --- a client forwarded by a trusted proxy is never local (§7.2) ---------
P1=$(seed 105)
wsr --bind 127.0.0.9 -H 'X-Forwarded-For: 127.0.0.1' --device-seed "$P1" \
    --connect "$(tok)"
PRID=$(resq c1 .error.details.requestId)
is "$(resq c1 .error.details.code)" PAIRING_REQUIRED \
    "forwarded client claiming 127.0.0.1: pairing required, not silent"
list
is "$(pending_of "$PRID" | jq -r .remoteIp)" 127.0.0.1 \
    "forwarded client: remoteIp is the forwarded address"

# ======================================== rotate and revoke (§7.7) ===
HELD=$TESTDIR/r1-held.out
hold "$HELD" --bind 127.0.0.2 --device-seed "$R1" --connect "$(dtok "$RDT1")"
rpc device.token.rotate "{\"deviceId\":\"$RD1\",\"role\":\"operator\"}"
is "$(r1 '.payload | del(.rotatedAtMs)')" "$(jq -cnS --arg d "$RD1" \
    '{deviceId: $d, role: "operator", scopes: ["operator.read",
    "operator.write"], tokenDelivery: "withheld-cross-device"}')" \
    "rotate by another caller: token withheld"
like "$(r1 .payload.rotatedAtMs)" '^[0-9]{13}$' "rotate: rotatedAtMs"
wait_lines "$HELD" '"ev":"close"' 1 100
OUT=$(<"$HELD")
like "$(srv_close)" '^4001\|.' "rotate: the device's open session closed 4001"
diag "rotate closed the session with: $(srv_close)"
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(dtok "$RDT1")"
expect_error "rotate: the old token" "$DT_MISMATCH_ERR"
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(tok)"
RDT1B=$(resq c1 .payload.auth.deviceToken)
like "$RDT1B" "$B64U43" "rotate: the device gets the new token on connect"
isnt "$RDT1B" "$RDT1" "rotate: the new token differs"
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(dtok "$RDT1B")"
expect_hello "rotate: the new token works" device-token

rpc device.token.revoke "{\"deviceId\":\"$RD1\",\"role\":\"operator\"}"
is "$(r1 '.payload | del(.revokedAtMs)')" "$(jq -cnS --arg d "$RD1" \
    '{deviceId: $d, role: "operator"}')" "revoke: {deviceId, role, revokedAtMs}"
like "$(r1 .payload.revokedAtMs)" '^[0-9]{13}$' "revoke: revokedAtMs"
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(dtok "$RDT1B")"
expect_error "revoke: the token stops working" "$DT_MISMATCH_ERR"
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(tok)"
is "$(resq c1 '.error.details | "\(.code) \(.reason)"')" \
    "PAIRING_REQUIRED role-upgrade" \
    "revoke: the remote device needs approval for its role again"
list
is "$(paired_of "$RD1" | jq -r '.tokens[0].revokedAtMs | type')" number \
    "revoke: list shows the token's revokedAtMs"

rpc device.token.rotate "{\"deviceId\":\"$NOBODY_ID\",\"role\":\"operator\"}"
is "$(r1 .error)" \
    '{"code":"INVALID_REQUEST","message":"device token rotation denied"}' \
    "rotate an unknown device: denied"
rpc device.token.revoke "{\"deviceId\":\"$NOBODY_ID\",\"role\":\"operator\"}"
is "$(r1 .error)" \
    '{"code":"INVALID_REQUEST","message":"device token revocation denied"}' \
    "revoke an unknown device: denied"
rpc device.token.rotate "{\"deviceId\":\"$D2\",\"role\":\"node\"}"
is "$(r1 .error)" \
    '{"code":"INVALID_REQUEST","message":"device token rotation denied"}' \
    "rotate a node token without operator.admin: denied"

# a device rotating its own token gets the new one in band
S3=$(seed 3)
SELF='.scopes=["operator.pairing","operator.read"]'
wsr --device-seed "$S3" --connect "$(tok "$SELF")"
D3=$(sent_device id)
DT3=$(resq c1 .payload.auth.deviceToken)
like "$DT3" "$B64U43" "local device with operator.pairing: paired silently"
wsr --device-seed "$S3" --connect "$(dtok "$DT3" "$SELF")" \
    --then "device.token.rotate {\"deviceId\":\"$D3\",\"role\":\"operator\"}"
is "$(r1 '.payload | del(.rotatedAtMs, .token)')" "$(jq -cnS --arg d "$D3" \
    '{deviceId: $d, role: "operator", scopes: ["operator.pairing",
    "operator.read"], tokenDelivery: "in-band"}')" \
    "rotate its own token: delivered in band"
DT3B=$(r1 .payload.token)
like "$DT3B" "$B64U43" "rotate its own token: the new token"
isnt "$DT3B" "$DT3" "rotate its own token: a new string"
wsr --device-seed "$S3" --connect "$(dtok "$DT3B" "$SELF")"
expect_hello "rotate its own token: the new token works" device-token
wsr --device-seed "$S3" --connect "$(dtok "$DT3" "$SELF")"
expect_error "rotate its own token: the old one is dead" "$DT_MISMATCH_ERR"
# self-scoped: a device-token caller cannot touch another device
wsr --device-seed "$S3" --connect "$(dtok "$DT3B" "$SELF")" \
    --then "device.token.revoke {\"deviceId\":\"$D2\",\"role\":\"operator\"}"
is "$(r1 .error)" \
    '{"code":"INVALID_REQUEST","message":"device token revocation denied"}' \
    "a device-token caller cannot revoke another device's token"

# ============================================== remove (§7.6) ===
# two open connections of D1: one by its device token, one by the shared
# token; both are the device's and both end
HELD=$TESTDIR/d1-held.out
HELD2=$TESTDIR/d1-held-shared.out
hold "$HELD" --device-seed "$S1" --connect "$(dtok "$DT1")"
hold "$HELD2" --device-seed "$S1" --connect "$(tok)"
rpc device.pair.remove "{\"deviceId\":\"$D1\"}"
is "$(r1 .payload)" "$(jq -cn --arg d "$D1" '{deviceId: $d}')" \
    "remove: {deviceId}"
wait_lines "$HELD" '"ev":"close"' 1 100
wait_lines "$HELD2" '"ev":"close"' 1 100
OUT=$(<"$HELD")
is "$(srv_close)" "4001|device removed" \
    "remove: the device's connection (device token) closed 4001 device removed"
OUT=$(<"$HELD2")
is "$(srv_close)" "4001|device removed" \
    "remove: the device's connection (shared token) closed 4001 device removed"
wsr --device-seed "$S1" --connect "$(dtok "$DT1")"
expect_error "remove: the device token stops working" "$DT_MISMATCH_ERR"
rpc device.pair.remove "{\"deviceId\":\"$D1\"}"
is "$(r1 .error)" '{"code":"INVALID_REQUEST","message":"unknown deviceId"}' \
    "remove it again: unknown deviceId"
list
is "$(paired_of "$D1")" '"count 0"' "remove: gone from the list"
wsr --device-seed "$S1" --connect "$(tok)"
DT1B=$(resq c1 .payload.auth.deviceToken)
expect_hello "removed local device with the shared token: paired again" token
isnt "$DT1B" "$DT1" "re-paired device: a new token"

# ============================================ persistence (clawgate) ===
R3=$(seed 103)
wsr --bind 127.0.0.5 --device-seed "$R3" --connect "$(tok)"
RD3=$(sent_device id)
RID3=$(resq c1 .error.details.requestId)
rpc device.pair.approve "{\"requestId\":\"$RID3\"}"
is "$(r1 '"\(.payload.requestId) \(.payload.device.deviceId)"')" \
    "$RID3 $RD3" "persistence: device approved"
wsr --bind 127.0.0.5 --device-seed "$R3" --connect "$(tok)"
RDT3=$(resq c1 .payload.auth.deviceToken)
like "$RDT3" "$B64U43" "persistence: device token issued"

ok '[ -f "$STORE" ]' "the store is $STORE"
is "$(stat -c %a "$STORE")" 600 "the store is mode 0600"
is "$(grep -cF -e "$DT1B" -e "$DT2" -e "$DT3B" -e "$RDT3" -e "$TOKEN" \
    "$STORE")" 0 "the store holds no device token nor the shared secret"

stop_daemon
relaunch
is "$?" 0 "restart on the same state directory: ready"
wsr --bind 127.0.0.5 --device-seed "$R3" --connect "$(dtok "$RDT3")"
expect_hello "after restart: the approved device's token" device-token
is "$(resq c1 .payload.auth.deviceToken)" "$RDT3" \
    "after restart: the same token is echoed"
wsr --bind 127.0.0.5 --device-seed "$R3" --connect "$(tok)"
is "$(resq c1 .payload.auth.deviceToken)" "$RDT3" \
    "after restart: shared-token connect issues the same token"
wsr --device-seed "$S2" --connect "$(dtok "$DT2")"
expect_hello "after restart: a silently paired device's token" device-token
wsr --bind 127.0.0.4 --device-seed "$R2" --connect "$(tok)"
is "$(resq c1 .error.details.requestId)" "$RID2B" \
    "after restart: a pending request keeps its requestId"
wsr --bind 127.0.0.2 --device-seed "$R1" --connect "$(dtok "$RDT1B")"
expect_error "after restart: a revoked token stays revoked" "$DT_MISMATCH_ERR"

# --- no pruning, even of records older than the reference's 60 s --------
# Age D2 (silent, cli/cli, no displayName) by two minutes in the store
# while the daemon is down, then pair another local cli/cli silently:
# the reference would delete D2 now; clawgate keeps it.
stop_daemon
aged=$(jq --arg d "$D2" '.devices |= map(if .deviceId == $d then
    walk(if type == "object" then with_entries(if (.key | endswith("AtMs"))
    and (.value | type) == "number" then .value -= 120000 else . end)
    else . end) else . end)' "$STORE") && [ -n "$aged" ] &&
    printf '%s\n' "$aged" >"$STORE"
relaunch
is "$?" 0 "restart with D2 aged by 2 minutes: ready"
list
approved=$(paired_of "$D2" | jq -r .approvedAtMs)
ok '[ "$approved" -lt $(($(now_ms) - 60000)) ]' \
    "D2 was approved more than 60 s ago"
wsr --device-seed "$(seed 4)" --connect "$(tok)"
expect_hello "another local cli/cli device paired silently" token
wsr --device-seed "$S2" --connect "$(dtok "$DT2")"
expect_hello "the aged silent device's token still works (no pruning)" \
    device-token
list
is "$(paired_of "$D2" | jq -r .deviceId)" "$D2" "the aged device is still listed"

# --- a damaged store: clawgated refuses to start, never resets it --------
for damage in truncated not-an-object; do
	stop_daemon
	case $damage in
	truncated) printf '{"version":1,"devices":[{"deviceId":' >"$STORE" ;;
	not-an-object) printf '[]\n' >"$STORE" ;;
	esac
	before=$(sha256sum <"$STORE")
	log_at=$(wc -l <"$DAEMON_LOG")
	relaunch
	rc=$?
	is "$rc" 2 "store $damage: clawgated exits instead of becoming ready"
	[ "$rc" = 2 ] || stop_daemon
	ok '[ "${DAEMON_STATUS:-0}" -ne 0 ]' \
	    "store $damage: non-zero exit status ($DAEMON_STATUS)"
	tail -n +$((log_at + 1)) "$DAEMON_LOG" | grep -qF -- "$STORE"
	ok $? "store $damage: the log names $STORE"
	is "$(sha256sum <"$STORE")" "$before" "store $damage: left as it was"
done

done_testing
