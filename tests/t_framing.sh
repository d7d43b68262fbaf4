#!/bin/bash
# t_framing.sh: what the gateway does with the first frame of a socket
# (protocol.md §1.3, §1.4, §1.6; transcript 08-framing-failures).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

TOKEN=abc123
start_daemon '{ "gateway": { "auth": { "mode": "token", "token": "'$TOKEN'" } } }'

# expect_silent_close DESC CODE REASON: the server closed with CODE/REASON
# and sent no res frame (the first-frame rules that answer nothing).
expect_silent_close()
{
	is "$(srv_close)" "$2|$3" "$1: close $2${3:+ $3}"
	is "$(nres)" 0 "$1: no res frame"
}

# expect_refused DESC ID MESSAGE: a res with exactly {code, message}, then
# close 1008 with the message as reason.
expect_refused()
{
	is "$(resq "$2" .error)" \
	    "$(jq -cnS --arg m "$3" '{code: "INVALID_REQUEST", message: $m}')" \
	    "$1: INVALID_REQUEST $3"
	is "$(resq "$2" .ok)" false "$1: ok false"
	is "$(srv_close)" "1008|$3" "$1: close 1008 with the same text"
	is "$(qs '[.[] | select(.ev == "recv" or .ev == "close") | .ev] | .[-2:]')" \
	    '["recv","close"]' "$1: the res comes before the close"
}

# --- 1. not JSON: close 1000, no answer (08c, 08j) ------------------------
wsr --raw '{not json'
expect_silent_close "non-JSON first frame" 1000 ""

wsr --raw-hex deadbeef
expect_silent_close "binary first frame" 1000 ""

wsr --raw ''
expect_silent_close "empty text frame" 1000 ""

# --- 2. JSON but not a request frame: 1008 invalid request frame (08b) ---
wsr --raw '{"type":"event","event":"hello","payload":{}}'
expect_silent_close "event frame first" 1008 "invalid request frame"

wsr --raw '{"hello":1}'
expect_silent_close "object without type" 1008 "invalid request frame"

wsr --raw '{"type":"req","method":"connect","params":{}}'
expect_silent_close "req without id" 1008 "invalid request frame"

wsr --raw '{"type":"req","id":"","method":"connect","params":{}}'
expect_silent_close "req with an empty id" 1008 "invalid request frame"

wsr --raw '{"type":"req","id":"x","method":"connect","params":{},"bogus":1}'
expect_silent_close "req with an unknown top-level key" 1008 \
    "invalid request frame"

wsr --raw '[1,2,3]'
expect_silent_close "a JSON array" 1008 "invalid request frame"

# --- 3. a request, but not connect (08a) ---------------------------------
wsr --raw '{"type":"req","id":"h1","method":"health","params":{}}'
expect_refused "health first" h1 \
    "invalid handshake: first request must be connect"

# --- 4. connect params that fail the schema (08d, 08f, 07d) ---------------
wsr --raw '{"type":"req","id":"bad-params","method":"connect","params":{"minProtocol":4,"maxProtocol":4,"client":{"id":"cli"}}}'
expect_refused "client without version" bad-params \
    "invalid connect params: at /client: must have required property 'version'"

wsr --connect "$(cparams '.client.mode="operator"' '.auth={token:"'$TOKEN'"}')"
expect_refused "client.mode operator (the docs' example)" c1 \
    "invalid connect params: at /client/mode: must be equal to one of the allowed values"

wsr --connect "$(cparams '.client.id="my-own-client"' '.auth={token:"'$TOKEN'"}')"
expect_refused "unknown client.id" c1 \
    "invalid connect params: at /client/id: must be equal to one of the allowed values"

wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}' '.device="SIGN"')" --nonce ''
expect_refused "device.nonce empty" c1 \
    "invalid connect params: at /device/nonce: must not have fewer than 1 characters"

# --- 5. the 64 KiB pre-auth frame cap (08g, 08h, 08i) ---------------------
BIG='{"type":"req","id":"big","method":"connect","params":{"pad":"x"}}'
wsr --pad-base "$BIG" --raw-size 65536
is "$(q 'select(.ev == "sent") | .bytes')" 65536 "65536 bytes: frame sent"
expect_refused "65536-byte connect" big \
    "invalid connect params: must have required property 'minProtocol'; at root: unexpected property 'pad'"

wsr --pad-base "$BIG" --raw-size 65537
is "$(q 'select(.ev == "sent") | .bytes')" 65537 "65537 bytes: frame sent"
expect_silent_close "65537-byte frame" 1009 ""

wsr --pad-base "$BIG" --raw-size 71744
expect_silent_close "70 KiB frame" 1009 ""

# --- 6. sending before the challenge is read still works ------------------
wsr --no-challenge-wait --connect "$(cparams '.auth={token:"'$TOKEN'"}')"
is "$(resq c1 .payload.type)" hello-ok \
    "connect sent without waiting for the challenge: hello-ok"

# --- 7. after a close handshake the server ends TCP (RFC 6455 §7.1.1) ---
wsr --raw '{not json'
is "$(nev no-fin)" 0 "server closes TCP after the close handshake (non-JSON)"
wsr --raw '{"type":"req","id":"h1","method":"health"}'
is "$(nev no-fin)" 0 "server closes TCP after the close handshake (refusal)"

done_testing
