#!/bin/bash
# t_auth.sh: shared-secret auth (token and password modes), the error
# shapes per client class and locality, device proofs, device-less scope
# rules and the failed-auth rate limiter (protocol.md §2.5, §4.2, §4.3,
# §5.2, §5.7, §10; transcripts 01, 02, 03, 09; README rows 07, 10).
#
# 127.0.0.1 is the only local peer (gateway.localPeers); the client binds
# 127.0.0.2 ... 127.0.0.9 to act as remote hosts.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

TOKEN=abc123
PASSWORD='p@ss&w0rd#'
UI_BUILD=2026.9.6-release-eb377ac59e6c-2026-09-23T16-33-12.144Z
LOCAL_TOKEN_HINT="use this gateway's gateway.auth.token or pair the device"
REMOTE_TOKEN_HINT="set gateway.remote.token to match gateway.auth.token"
LOCAL_PW_HINT="use this gateway's gateway.auth.password"
REMOTE_PW_HINT="set gateway.remote.password to match gateway.auth.password"
RATE_MSG="unauthorized: too many failed authentication attempts (retry later)"

config()
{
	# config MODE SECRET
	jq -n --arg m "$1" --arg s "$2" '{gateway: {
	    auth: ({mode: $m} + (if $m == "token" then {token: $s} else
	        {password: $s} end) + {rateLimit: {maxAttempts: 3,
	        windowMs: 60000, lockoutMs: 300000}}),
	    localPeers: ["127.0.0.1/32"]}}'
}

# autherr MSG DETAIL_CODE AUTH_REASON CAN_RETRY NEXT_STEP: the §4.2 error.
autherr()
{
	jq -cnS --arg m "$1" --arg c "$2" --arg r "$3" --argjson cr "$4" \
	    --arg s "$5" '{code: "INVALID_REQUEST", message: $m, details: {
	    code: $c, authReason: $r, canRetryWithDeviceToken: $cr,
	    recommendedNextStep: $s}}'
}

# expect_error DESC WANT_ERROR_JSON [CONN]: the connect res carries exactly
# this error and the server closes 1008 with its message.  clawgate's
# documented additions to details (src/worker/errors.h: expectedFingerprint,
# providedFingerprint, alsoFailed) are left out of the comparison and
# tested on their own (tests/t_fingerprint.sh for the fingerprints).
expect_error()
{
	local msg
	msg=$(jq -r .message <<<"$2")
	is "$(resq c1 '.error | del(.details.expectedFingerprint,
	    .details.providedFingerprint, .details.alsoFailed)' "${3:-1}")" \
	    "$(canon "$2")" "$1: error"
	is "$(srv_close "${3:-1}")" "1008|$msg" "$1: close 1008 with the message"
}

expect_hello()
{
	# expect_hello DESC METHOD [CONN]
	is "$(resq c1 '.ok and .payload.type == "hello-ok"' "${3:-1}")" true \
	    "$1: hello-ok"
	is "$(resq c1 .payload.auth.method "${3:-1}")" "$2" \
	    "$1: auth.method $2"
}

# Clients of the other classes (§4.2): UI, and "other" (not mode cli).
ui()
{
	cparams '.client={id: "openclaw-control-ui", version: "2026.9.6",
	    buildId: "'$UI_BUILD'", platform: "Linux x86_64", mode: "webchat"}' \
	    '.scopes=["operator.admin","operator.read","operator.write","operator.approvals","operator.questions","operator.pairing"]' \
	    '.device="SIGN"' "$@"
}
backend()
{
	cparams '.client={id: "gateway-client", version: "0.0.1-test",
	    platform: "linux", mode: "backend"}' "$@"
}

# ========================================================== token mode ===
start_daemon "$(config token "$TOKEN")"
ORIGIN="http://127.0.0.1:$PORT"

# --- local CLI (transcripts 01, 02, 03) -----------------------------------
wsr --connect "$(cparams)"
expect_error "no auth, no device" "$(canon '{"code":"NOT_PAIRED",
    "message":"device identity required","details":{"code":"DEVICE_IDENTITY_REQUIRED"}}')"

wsr --connect "$(cparams '.device="SIGN"')"
expect_error "no auth, signed device" "$(autherr \
    "unauthorized: gateway token missing ($LOCAL_TOKEN_HINT)" \
    AUTH_TOKEN_MISSING token_missing false update_auth_configuration)"

wsr --connect "$(cparams '.auth={}' '.device="SIGN"')"
expect_error "auth {}, signed device" "$(autherr \
    "unauthorized: gateway token missing ($LOCAL_TOKEN_HINT)" \
    AUTH_TOKEN_MISSING token_missing false update_auth_configuration)"

wsr --connect "$(cparams '.auth={token:"   "}' '.device="SIGN"')"
expect_error "whitespace-only token counts as missing" "$(autherr \
    "unauthorized: gateway token missing ($LOCAL_TOKEN_HINT)" \
    AUTH_TOKEN_MISSING token_missing false update_auth_configuration)"

wsr --connect "$(cparams '.auth={token:"wrong-token"}')"
expect_error "wrong token, no device" "$(autherr \
    "unauthorized: gateway token mismatch ($LOCAL_TOKEN_HINT)" \
    AUTH_TOKEN_MISMATCH token_mismatch false update_auth_credentials)"

fp=$(sed -n 's/.*secret source: .*; fingerprint \([0-9a-f]*\).*/\1/p' "$DAEMON_LOG" |
    head -n 1)
is "$(resq c1 .error.details.expectedFingerprint)" "$fp" \
    "wrong token: details.expectedFingerprint is the one clawgated logged"
is "$(q 'select(.ev == "recv" or .ev == "close")' | grep -c "$TOKEN")" 0 \
    "wrong token: nothing the server sent contains the secret"

wsr --connect "$(cparams '.auth={token:"wrong-token"}' '.device="SIGN"')"
expect_error "wrong token, signed device" "$(autherr \
    "unauthorized: gateway token mismatch ($LOCAL_TOKEN_HINT)" \
    AUTH_TOKEN_MISMATCH token_mismatch true retry_with_device_token)"

# --- a pasted setup code: auth.bootstrapToken (issue 10 item 18a) -------
# The reference's bootstrap step comes after the shared secret and before
# the device token (§2.5 step 9); clawgate issues no setup codes, so any
# is invalid, with the reference's error, and the log says what it is.
SETUP_MSG='unauthorized: setup code invalid, expired, revoked, or already used (create a new code; review `openclaw devices list`)'
wsr --connect "$(cparams '.auth={bootstrapToken:"abcdEFGH12345678"}' '.device="SIGN"')"
expect_error "setup code, signed device" "$(autherr "$SETUP_MSG" \
    AUTH_BOOTSTRAP_TOKEN_INVALID bootstrap_token_invalid false \
    review_auth_configuration)"
ok "wait_lines '$DAEMON_LOG' 'setup code .*auth.bootstrapToken: a device setup code .*not the gateway secret. clawgate has no setup codes' 1 50" \
    "setup code: the log says it is a device setup code, not the gateway secret"
ok "grep -q 'unauthorized .*auth=bootstrap-token .*reason=bootstrap_token_invalid' '$DAEMON_LOG'" \
    "setup code: the unauthorized line has auth=bootstrap-token reason=bootstrap_token_invalid"

wsr --connect "$(cparams '.auth={token:"wrong-token",bootstrapToken:"abcdEFGH12345678"}' '.device="SIGN"')"
is "$(resq c1 .error.details.code)" AUTH_BOOTSTRAP_TOKEN_INVALID \
    "wrong token and a setup code: the bootstrap step reports last, as the reference"

wsr --connect "$(cparams '.auth={token:"'$TOKEN'",bootstrapToken:"abcdEFGH12345678"}' '.device="SIGN"')"
expect_hello "right token and a setup code: the shared secret wins" token

wsr --connect "$(cparams '.auth={bootstrapToken:"abcdEFGH12345678"}')"
is "$(resq c1 '[.error.details.code, .error.details.alsoFailed.code] | join(" ")')" \
    "DEVICE_IDENTITY_REQUIRED AUTH_BOOTSTRAP_TOKEN_INVALID" \
    "setup code, no device: DEVICE_IDENTITY_REQUIRED first, alsoFailed names the setup code"

wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}')"
expect_hello "right token, no device" token

wsr --connect "$(cparams '.auth={password:"'$TOKEN'"}')"
expect_hello "token sent in auth.password" token

wsr --connect "$(cparams '.auth={token:"  '$TOKEN'  "}')"
expect_hello "token with surrounding spaces (trimmed)" token

# --- device proofs (§6, §4.3; README row 07) ------------------------------
wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}' '.device="SIGN"')"
expect_hello "right token, v3-signed device" token

wsr --v2 --connect "$(cparams '.auth={token:"'$TOKEN'"}' '.device="SIGN"')"
expect_hello "right token, v2-signed device" token

wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}' '.device="SIGN"' \
    '.client.platform="Linux" | .client.deviceFamily="Desktop"')"
expect_hello "v3 with platform Linux, deviceFamily Desktop (lowercased)" token

devfail()
{
	jq -cnS --arg m "$1" --arg c "$2" --arg r "$3" \
	    '{code: "INVALID_REQUEST", message: $m, details: {code: $c, reason: $r}}'
}
SIGNED="$(cparams '.auth={token:"'$TOKEN'"}' '.device="SIGN"')"

wsr --connect "$SIGNED" --corrupt-signature
expect_error "bad signature" "$(devfail "device signature invalid" \
    DEVICE_AUTH_SIGNATURE_INVALID device-signature)"

wsr --connect "$SIGNED" --nonce 00000000-0000-4000-8000-000000000000
expect_error "signed another nonce" "$(devfail "device nonce mismatch" \
    DEVICE_AUTH_NONCE_MISMATCH device-nonce-mismatch)"

wsr --connect "$SIGNED" --nonce '   '
expect_error "whitespace-only nonce" "$(devfail "device nonce required" \
    DEVICE_AUTH_NONCE_REQUIRED device-nonce-missing)"

wsr --connect "$SIGNED" --signed-at $(($(now_ms) - 600000))
expect_error "signedAt 10 min old" "$(devfail "device signature expired" \
    DEVICE_AUTH_SIGNATURE_EXPIRED device-signature-stale)"

wsr --connect "$SIGNED" --signed-at $(($(now_ms) + 125000))
expect_error "signedAt 125 s ahead" "$(devfail "device signature expired" \
    DEVICE_AUTH_SIGNATURE_EXPIRED device-signature-stale)"

wsr --connect "$SIGNED" --device-id \
    0000000000000000000000000000000000000000000000000000000000000000
expect_error "device id is not sha256(publicKey)" "$(devfail \
    "device identity mismatch" DEVICE_AUTH_DEVICE_ID_MISMATCH device-id-mismatch)"

# --- the other client classes (§4.2) --------------------------------------
wsr --connect "$(backend '.auth={token:"wrong-token"}')"
expect_error "gateway-client/backend, wrong token" "$(autherr \
    "unauthorized: gateway token mismatch (provide gateway auth token)" \
    AUTH_TOKEN_MISMATCH token_mismatch false update_auth_credentials)"

wsr --connect "$(cparams '.client.mode="probe" | .minProtocol=3' '.device="SIGN"')"
expect_error "cli in probe mode, no token" "$(autherr \
    "unauthorized: gateway token missing (provide gateway auth token)" \
    AUTH_TOKEN_MISSING token_missing false update_auth_configuration)"

wsr -H "Origin: $ORIGIN" --v2 --connect "$(ui '.auth={token:"wrong-token"}')"
expect_error "Control UI, wrong token" "$(autherr \
    "unauthorized: gateway token mismatch (open the dashboard URL and paste the token in Control UI settings)" \
    AUTH_TOKEN_MISMATCH token_mismatch true retry_with_device_token)"

wsr -H "Origin: $ORIGIN" --v2 --connect "$(ui)"
expect_error "Control UI, no token" "$(autherr \
    "unauthorized: gateway token missing (paste in Control UI settings or openclaw doctor --generate-gateway-token; restart)" \
    AUTH_TOKEN_MISSING token_missing false update_auth_configuration)"

wsr -H "Origin: $ORIGIN" --connect "$(ui '.auth={token:"'$TOKEN'"}' 'del(.device)')"
expect_error "Control UI without a device" "$(canon '{"code":"INVALID_REQUEST",
    "message":"control ui requires device identity (use HTTPS or localhost secure context)",
    "details":{"code":"CONTROL_UI_DEVICE_IDENTITY_REQUIRED"}}')"

# --- remote CLI (127.0.0.2+; §4.2 "CLI remote", §5.7) --------------------
wsr --bind 127.0.0.2 --connect "$(cparams '.auth={token:"wrong-token"}')"
expect_error "remote cli, wrong token" "$(autherr \
    "unauthorized: gateway token mismatch ($REMOTE_TOKEN_HINT)" \
    AUTH_TOKEN_MISMATCH token_mismatch false update_auth_credentials)"

wsr --bind 127.0.0.3 --connect "$(cparams '.device="SIGN"')"
expect_error "remote cli, no token, signed device" "$(autherr \
    "unauthorized: gateway token missing ($REMOTE_TOKEN_HINT)" \
    AUTH_TOKEN_MISSING token_missing false update_auth_configuration)"

wsr --bind 127.0.0.3 --connect "$(cparams)"
expect_error "remote cli, no auth, no device" "$(canon '{"code":"NOT_PAIRED",
    "message":"device identity required","details":{"code":"DEVICE_IDENTITY_REQUIRED"}}')"

wsr --bind 127.0.0.4 --connect "$(cparams '.auth={token:"'$TOKEN'"}')"
expect_hello "remote cli, right token, no device" token
is "$(resq c1 .payload.auth.scopes)" "[]" \
    "remote cli, no device: requested scopes are cleared"

# --- rate limiting from a remote address (maxAttempts 3; §10) -------------
WRONG=$(cparams '.auth={token:"wrong-token"}')
RIGHT=$(cparams '.auth={token:"'$TOKEN'"}')
RATE=$(jq -cnS --arg m "$RATE_MSG" '{code: "INVALID_REQUEST", message: $m,
    retryable: true, details: {code: "AUTH_RATE_LIMITED",
    authReason: "rate_limited", canRetryWithDeviceToken: false,
    recommendedNextStep: "wait_then_retry"}}')

wsr --bind 127.0.0.5 --count 3 --connect "$WRONG"
is "$(qs '[.[] | select(.ev == "recv" and .json.type == "res") | .json.error.details.code]')" \
    '["AUTH_TOKEN_MISMATCH","AUTH_TOKEN_MISMATCH","AUTH_TOKEN_MISMATCH"]' \
    "rate limit: failures 1-3 are AUTH_TOKEN_MISMATCH"
is "$(qs '[.[] | select(.ev == "close" and (.reply | not)) | .code]')" \
    '[1008,1008,1008]' "rate limit: each closed 1008"

wsr --bind 127.0.0.5 --connect "$WRONG"
is "$(resq c1 '.error | del(.retryAfterMs)')" "$RATE" \
    "rate limit: attempt 4 is AUTH_RATE_LIMITED (retryable, wait_then_retry)"
ra=$(resq c1 .error.retryAfterMs)
ok '[[ "$ra" =~ ^[0-9]+$ ]] && [ "$ra" -gt 0 ] && [ "$ra" -le 300000 ]' \
    "rate limit: retryAfterMs at the top level, 0 < $ra <= lockoutMs"
is "$(srv_close)" "1008|$RATE_MSG" "rate limit: close 1008 with the message"

wsr --bind 127.0.0.5 --connect "$RIGHT"
is "$(resq c1 .error.details.code)" AUTH_RATE_LIMITED \
    "rate limit: even the right token is refused while locked out"
is "$(srv_close)" "1008|$RATE_MSG" "rate limit: right token, close 1008"

wsr --bind 127.0.0.6 --connect "$RIGHT"
expect_hello "rate limit: another address is not locked" token

wsr --bind 127.0.0.7 --count 4 --connect "$(cparams '.device="SIGN"')"
is "$(qs '[.[] | select(.ev == "recv" and .json.type == "res") | .json.error.details.code] | unique')" \
    '["AUTH_TOKEN_MISSING"]' "rate limit: missing tokens are never rate limited"
wsr --bind 127.0.0.7 --connect "$RIGHT"
expect_hello "rate limit: missing tokens do not count as failures" token

wsr --bind 127.0.0.8 --count 2 --connect "$WRONG"
wsr --bind 127.0.0.8 --connect "$RIGHT"
expect_hello "rate limit: a success after 2 failures" token
wsr --bind 127.0.0.8 --count 2 --connect "$WRONG"
is "$(qs '[.[] | select(.ev == "recv" and .json.type == "res") | .json.error.details.code]')" \
    '["AUTH_TOKEN_MISMATCH","AUTH_TOKEN_MISMATCH"]' \
    "rate limit: the success reset the count (failures 3 and 4 are plain mismatches)"

# --- loopback is exempt (fresh daemon: loopback failures are delayed) -----
start_daemon "$(config token "$TOKEN")"
t0=$(now_ms)
wsr --count 4 --timeout 30000 --connect "$WRONG"
t1=$(now_ms)
is "$(qs '[.[] | select(.ev == "recv" and .json.type == "res") | .json.error.details.code]')" \
    '["AUTH_TOKEN_MISMATCH","AUTH_TOKEN_MISMATCH","AUTH_TOKEN_MISMATCH","AUTH_TOKEN_MISMATCH"]' \
    "loopback: 4 failures (> maxAttempts) are never AUTH_RATE_LIMITED"
ok '[ $((t1 - t0)) -ge 3000 ]' \
    "loopback: failures are delayed 250 ms, doubling ($((t1 - t0)) ms for 4)"
wsr --connect "$RIGHT"
expect_hello "loopback: the right token still works" token
is "$(resq c1 .payload.auth.scopes)" '["operator.read","operator.write"]' \
    "loopback: device-less cli keeps its scopes"

# ======================================================= password mode ===
start_daemon "$(config password "$PASSWORD")"
ORIGIN="http://127.0.0.1:$PORT"
PW=$(jq -Rr @json <<<"$PASSWORD")

wsr --connect "$(cparams '.auth={password:'"$PW"'}')"
expect_hello "password mode: right password, no device" password
is "$(resq c1 .payload.auth.scopes)" '["operator.read","operator.write"]' \
    "password mode: loopback device-less cli keeps its scopes"

wsr --connect "$(cparams '.auth={token:'"$PW"'}' '.device="SIGN"')"
expect_hello "password mode: password sent in auth.token" password

wsr --connect "$(cparams '.auth={password:(" " + '"$PW"' + "\t")}')"
expect_hello "password mode: surrounding whitespace trimmed" password

wsr --connect "$(cparams '.auth={password:"wrong"}' '.device="SIGN"')"
expect_error "password mode: wrong password, signed device" "$(autherr \
    "unauthorized: gateway password mismatch ($LOCAL_PW_HINT)" \
    AUTH_PASSWORD_MISMATCH password_mismatch false update_auth_credentials)"

wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}' '.device="SIGN"')"
expect_error "password mode: the old token in auth.token" "$(autherr \
    "unauthorized: gateway password mismatch ($LOCAL_PW_HINT)" \
    AUTH_PASSWORD_MISMATCH password_mismatch false update_auth_credentials)"

wsr --connect "$(cparams '.device="SIGN"')"
expect_error "password mode: no auth, signed device" "$(autherr \
    "unauthorized: gateway password missing ($LOCAL_PW_HINT)" \
    AUTH_PASSWORD_MISSING password_missing false update_auth_configuration)"

wsr --connect "$(cparams)"
is "$(resq c1 .error.details.code)" DEVICE_IDENTITY_REQUIRED \
    "password mode: no auth, no device: DEVICE_IDENTITY_REQUIRED"

wsr --bind 127.0.0.2 --connect "$(cparams '.auth={password:"wrong"}')"
expect_error "password mode: remote cli, wrong password" "$(autherr \
    "unauthorized: gateway password mismatch ($REMOTE_PW_HINT)" \
    AUTH_PASSWORD_MISMATCH password_mismatch false update_auth_credentials)"

wsr --bind 127.0.0.3 --connect "$(cparams '.device="SIGN"')"
expect_error "password mode: remote cli, no password" "$(autherr \
    "unauthorized: gateway password missing ($REMOTE_PW_HINT)" \
    AUTH_PASSWORD_MISSING password_missing false update_auth_configuration)"

wsr --connect "$(backend '.auth={password:"wrong"}')"
expect_error "password mode: gateway-client/backend, wrong password" "$(autherr \
    "unauthorized: gateway password mismatch (provide gateway auth password)" \
    AUTH_PASSWORD_MISMATCH password_mismatch false update_auth_credentials)"

wsr -H "Origin: $ORIGIN" --v2 --connect "$(ui '.auth={password:"wrong"}')"
expect_error "password mode: Control UI, wrong password" "$(autherr \
    "unauthorized: gateway password mismatch (enter the password in Control UI settings)" \
    AUTH_PASSWORD_MISMATCH password_mismatch false update_auth_credentials)"

wsr -H "Origin: $ORIGIN" --v2 --connect "$(ui)"
expect_error "password mode: Control UI, no password" "$(autherr \
    "unauthorized: gateway password missing (enter the password in Control UI settings)" \
    AUTH_PASSWORD_MISSING password_missing false update_auth_configuration)"

wsr -H "Origin: $ORIGIN" --v2 --connect "$(ui '.auth={token:'"$PW"', password:'"$PW"'}')"
expect_hello "password mode: Control UI with the secret in token and password" password

done_testing
