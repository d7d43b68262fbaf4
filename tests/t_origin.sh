#!/bin/bash
# t_origin.sh: the browser Origin policy (protocol.md §7.5) against a real
# clawgated in auth mode none, where passing the origin check is all a
# local page needs for hello-ok with operator.admin (issue 10, item 1).
#
# An Origin is parsed and compared exactly: with gateway.controlUi.
# allowedOrigins, or, for local peers, with a loopback origin (localhost,
# 127/8, [::1]).  Prefixes of those and the Host header never count.
#
# 127.0.0.1 is the only local peer; the client binds 127.0.0.2 to be a
# remote host.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

UI_BUILD=2026.9.6-release-eb377ac59e6c-2026-09-23T16-33-12.144Z
ORIGIN_MSG="origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)"

# The Control UI's connect: no secret (mode none), a signed device.
ui()
{
	cparams '.client={id: "openclaw-control-ui", version: "2026.9.6",
	    buildId: "'$UI_BUILD'", platform: "Linux x86_64", mode: "webchat"}' \
	    '.scopes=["operator.admin","operator.read","operator.write","operator.approvals","operator.questions","operator.pairing"]' \
	    '.device="SIGN"' "$@"
}

origin_err()
{
	jq -cnS --arg m "$ORIGIN_MSG" --arg r "$1" '{code: "INVALID_REQUEST",
	    message: $m, details: {code: "CONTROL_UI_ORIGIN_NOT_ALLOWED",
	    reason: $r}}'
}

# refused DESC REASON: the last connect got the origin error and a 1008.
refused()
{
	is "$(resq c1 .error)" "$(origin_err "$2")" "$1: origin error ($2)"
	is "$(srv_close)" "1008|$ORIGIN_MSG" "$1: close 1008"
}

# accepted DESC: the last connect got hello-ok with operator.admin.
accepted()
{
	is "$(resq c1 '.ok and .payload.type == "hello-ok"')" true \
	    "$1: hello-ok"
	is "$(resq c1 '.payload.auth.scopes // [] | index("operator.admin") != null')" \
	    true "$1: operator.admin granted"
}

start_daemon '{
  "gateway": {
    "auth": { "mode": "none" },
    "localPeers": ["127.0.0.1/32"],
    "controlUi": { "allowedOrigins": ["HTTPS://UI.Example.COM:443"] }
  }
}'

# --- look-alikes of a loopback origin (the prefix check) -----------------
wsr -H "Origin: http://localhost.evil.example" --v2 --connect "$(ui)"
refused "http://localhost.evil.example" "origin not allowed"
like "$(cat "$DAEMON_LOG")" \
    "\[ws\] origin not allowed conn=[^ ]+ peer=[^ ]+ remote=127\.0\.0\.1 origin=http://localhost\.evil\.example host=127\.0\.0\.1:$PORT" \
    "http://localhost.evil.example: logged as before"

wsr -H "Origin: http://127.0.0.1.nip.io.evil.example" --v2 --connect "$(ui)"
refused "http://127.0.0.1.nip.io.evil.example" "origin not allowed"

wsr -H "Origin: http://[::1].evil.example" --v2 --connect "$(ui)"
refused "http://[::1].evil.example" "origin missing or invalid"

# --- DNS rebinding: the page's Host equals its Origin ---------------------
wsr -H "Host: evil.example:$PORT" -H "Origin: http://evil.example:$PORT" \
    --v2 --connect "$(ui)"
refused "Origin == Host (evil.example:$PORT)" "origin not allowed"

wsr -H "Host: evil.example" -H "Origin: http://evil.example" \
    --v2 --connect "$(ui)"
refused "Origin == Host (evil.example, no port)" "origin not allowed"

# --- not an origin: path, user name, garbage ----------------------------------
wsr -H "Origin: http://127.0.0.1:$PORT/" --v2 --connect "$(ui)"
refused "loopback origin with a path" "origin missing or invalid"

wsr -H "Origin: http://evil.example@127.0.0.1:$PORT" --v2 --connect "$(ui)"
refused "loopback origin with a user name" "origin missing or invalid"

wsr -H "Origin: null" --v2 --connect "$(ui)"
refused "Origin: null" "origin missing or invalid"

# --- loopback origins from a local peer -----------------------------------
wsr -H "Origin: http://127.0.0.1:$PORT" --v2 --connect "$(ui)"
accepted "http://127.0.0.1:$PORT"

wsr -H "Origin: http://localhost:5173" --v2 --connect "$(ui)"
accepted "http://localhost:5173"

wsr -H "Origin: http://[::1]:8080" --v2 --connect "$(ui)"
accepted "http://[::1]:8080"

# A loopback Origin with a foreign Host still counts: the Host is ignored.
wsr -H "Host: evil.example:$PORT" -H "Origin: http://127.0.0.1:$PORT" \
    --v2 --connect "$(ui)"
accepted "loopback Origin, foreign Host"

# --- the configured origin, from a remote peer --------------------------------
# It passes the origin check (what follows is authd's business).
wsr --bind 127.0.0.2 -H "Origin: https://ui.example.com" --v2 \
    --connect "$(ui)"
is "$(resq c1 '.ok or .error.details.code != "CONTROL_UI_ORIGIN_NOT_ALLOWED"')" \
    true \
    "remote, configured origin (canonical match): past the origin check"

wsr --bind 127.0.0.2 -H "Origin: https://ui.example.com.evil.example" --v2 \
    --connect "$(ui)"
refused "remote, prefix of the configured origin" "origin not allowed"

# Loopback origins are for local peers only.
wsr --bind 127.0.0.2 -H "Origin: http://127.0.0.1:$PORT" --v2 \
    --connect "$(ui)"
refused "remote, loopback origin" "origin not allowed"

done_testing
