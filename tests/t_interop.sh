#!/bin/bash
# t_interop.sh: drive clawgated with the REAL reference client, the `openclaw'
# CLI (openclaw@2026.9.6 on Node 24, installed from the npm registry by
# scripts/install-interop.sh), and check that every command a user runs
# against a gateway succeeds, or fails, exactly as it does against the
# reference gateway (protocol.md §9, §12; operations.md §2.2).
#
# Environment:
#   CLAWGATE_OPENCLAW=PATH       use this CLI wrapper, do not install
#   CLAWGATE_INTEROP_DIR=DIR     install cache (see install-interop.sh)
#   CLAWGATE_INTEROP=skip        skip this file
#   CLAWGATE_INTEROP_REQUIRED=1  fail, not skip, when the CLI cannot be
#                                installed (default when CI=true)
#   CLAWGATE_INTEROP_TARGET=reference
#                                run the same checks against the reference
#                                gateway (`openclaw gateway run') instead of
#                                clawgated: how the expectations below were
#                                validated, and how to re-validate them
#   CLI_TIMEOUT=S                bound on one CLI command (60)
#
# What the reference gateway and CLI do (recorded live against
# `openclaw gateway run --bind loopback --auth token`, CLI with a scratch
# HOME, stdin </dev/null, no TTY; times are wall clock per command, about
# 1.6-2.6 s each, almost all of it Node start-up):
#
# `gateway health --url U --token T`: one WS, connect {minProtocol:4,
#   maxProtocol:4, client:{id:"cli",version:"2026.9.6",platform:"linux",
#   deviceFamily:"Linux",mode:"cli",instanceId}, caps:[], auth:{token},
#   role:"operator", scopes:["operator.read"]} (no device: loopback URL +
#   shared secret), then {"type":"req","id":"2:<uuid>","method":"health"}
#   with NO params key; closes with no status (server sees 1005).
#   exit 0, stdout exactly two lines:
#       Gateway Health
#       OK (145ms)
#   `--json`: the health payload pretty-printed ({"ok": true, "ts": ...}).
# `gateway status --url U --token T`: service inspection, then a probe
#   connect {minProtocol:3, maxProtocol:4, client:{id:"cli",version:"dev",
#   mode:"probe",...}, scopes:["operator.read"]} and NO request: success is
#   hello-ok.  exit 0; stdout has, among others:
#       Probe target: ws://127.0.0.1:PORT
#       Gateway version: 2026.9.6          (hello-ok server.version)
#       Connectivity probe: ok
#       Capability: connected-no-operator-scope
#   (the reference clears a device-less probe's scopes, §5.7; a gateway that
#   keeps operator.read shows "read-only").  stderr: "No supported service
#   manager detected. ..." (no systemd here; harmless).
#   `--json`: {cli, logFile, service, config, gateway{probeUrl,...},
#   port, rpc{ok:true, kind:"connect", capability, auth{role,scopes},
#   server{version,...}, url}, extraServices}.
#   `--require-rpc`: connects as {id:"gateway-client", mode:"backend",
#   displayName:"gateway:status"} and calls `status`; prints "Read probe: ok"
#   and "Capability: read-only".
#   Wrong token: exit 0 (!), "Connectivity probe: failed" on stderr; with
#   --require-rpc exit 1 and "unauthorized: gateway token mismatch (provide
#   gateway auth token)" (a backend client gets the "other" hint, §4.2).
# `gateway call health|status --url U --token T`: connect as for health,
#   then the method with "params":{} (unlike `gateway health`).  exit 0;
#   stdout "Gateway call: <method>" then the payload as pretty JSON; with
#   --json only the JSON.
# `gateway probe --url U --token T --json`: probe connect as for status,
#   then concurrently health, status, system-presence (no params) and
#   config.get ({}); it ALSO probes the default local target
#   ws://127.0.0.1:<gateway.port, 18789> (we point OPENCLAW_GATEWAY_PORT
#   at the gateway under test, so that no stray listener on 18789 is
#   contacted, with our token).
#   exit 0; {"ok":true, "degraded":..., "capability":...,
#   "primaryTargetId":"explicit", "targets":[{"id":"explicit",
#   "url":U, "connect":{"ok":true, "rpcOk":..., ...}, "server":{...}}, ...]}.
#   Against the reference: degraded:true, capability
#   "connected_no_operator_scope", rpcOk:false ("missing scope:
#   operator.read") -- again the §5.7 scope clearing.
#   Human form: "Reachable: yes", "Connect: ok (78ms) · Capability: ...".
#   Wrong token: exit 0 (!) with ok:true, the explicit target's connect
#   {"ok":true, "rpcOk":false, "error":"unauthorized: gateway token mismatch
#   (provide gateway auth token)", "close":{"code":1008,"reason":<same>}}.
# Wrong token, `gateway health`: exit 1, stdout empty, stderr
#       gateway connect failed: GatewayClientRequestError: unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)
#       unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)
#   `gateway call`: same first line, then "Gateway call failed: unauthorized:
#   ...".  No token at all with --url: the CLI refuses before connecting
#   ("gateway url override requires explicit credentials"), exit 1.
# Token mode accepts the token sent with --password (auth.password), and
# password mode the password sent with --token (§5.2).  Wrong password:
#   exit 1, "unauthorized: gateway password mismatch (use this gateway's
#   gateway.auth.password)".
# The CLI writes nothing under HOME for these commands.  It appends a JSON
# log to /tmp/openclaw/openclaw-<date>.log (fixed path, not $TMPDIR, unless
# /tmp/openclaw is unusable); OPENCLAW_LOG_LEVEL=silent turns that file off
# without changing what is printed.  It keeps a Node compile cache under
# $TMPDIR, so TMPDIR is scratch too.
# OPENCLAW_GATEWAY_PORT=<port under test> makes `gateway probe' fold its
# default local target into the explicit one (one target, not two) and
# `gateway status' add "Listening: 127.0.0.1:<port>".

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

TARGET=${CLAWGATE_INTEROP_TARGET:-clawgated}
MISMATCH_CLI="unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)"
MISMATCH_OTHER="unauthorized: gateway token mismatch (provide gateway auth token)"
PW_MISMATCH_CLI="unauthorized: gateway password mismatch (use this gateway's gateway.auth.password)"

use_openclaw "target: $TARGET"

# --- the gateway under test -------------------------------------------------

# start_reference MODE SECRET: the reference gateway instead of clawgated,
# with the same contract as start_daemon ($PORT, $DAEMON_PID, stop_daemon).
# The secret goes through the environment, not argv.
start_reference()
{
	local mode=$1 sec=$2 var i code home
	stop_daemon
	_daemon_seq=$((_daemon_seq + 1))
	DAEMON_DIR=$TESTDIR/ref$_daemon_seq
	DAEMON_LOG=$DAEMON_DIR/gateway.log
	home=$DAEMON_DIR/home
	mkdir -p "$home/.openclaw" "$DAEMON_DIR/tmp" || bail_out "mkdir"
	PORT=$(free_port) || bail_out "no free port"
	var=OPENCLAW_GATEWAY_TOKEN
	[ "$mode" = password ] && var=OPENCLAW_GATEWAY_PASSWORD
	env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" \
	    OPENCLAW_STATE_DIR="$home/.openclaw" TMPDIR="$DAEMON_DIR/tmp" \
	    LANG=C.UTF-8 NO_COLOR=1 "$var=$sec" \
	    "$OPENCLAW" gateway run --port "$PORT" --bind loopback \
	    --auth "$mode" --allow-unconfigured \
	    </dev/null >"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	# 10-60 s to become ready
	for ((i = 0; i < 1200; i++)); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
		    "http://127.0.0.1:$PORT/readyz" 2>/dev/null)
		[ "$code" = 200 ] && return 0
		sleep 0.1
	done
	diag "$(tail -n 30 "$DAEMON_LOG")"
	bail_out "the reference gateway did not become ready"
}

# start_gateway MODE SECRET
start_gateway()
{
	local t
	t=$(now_ms)
	if [ "$TARGET" = reference ]; then
		start_reference "$1" "$2"
	else
		start_daemon "{\"gateway\": {\"bind\": \"loopback\",
		    \"auth\": {\"mode\": \"$1\", \"$1\": \"$2\"}}}"
	fi
	URL=ws://127.0.0.1:$PORT
	diag "$TARGET ($1 mode) ready on port $PORT in $(($(now_ms) - t)) ms"
}

TOKEN=$(secret)
WRONG=$(secret)
PASSWORD=$(secret)
if [ ${#TOKEN} != 43 ] || [ "$TOKEN" = "$WRONG" ]; then
	bail_out "secret generation"
fi

# === token mode ===============================================================
start_gateway token "$TOKEN"

# --- gateway health -----------------------------------------------------------
cli "gateway health" gateway health --url "$URL" --token "$TOKEN"
is "$CRC" 0 "health: exit 0" || show
is "$(head -n 1 <<<"$COUT")" "Gateway Health" "health: 'Gateway Health'" || show
like "$(sed -n 2p <<<"$COUT")" '^OK( \([0-9]+ms\))?$' "health: 'OK (Nms)'" ||
    show

cli "gateway health --json" gateway health --url "$URL" --token "$TOKEN" --json
is "$CRC" 0 "health --json: exit 0" || show
is "$(jq -r '.ok' <<<"$COUT" 2>/dev/null)" true "health --json: ok: true" ||
    show

# the secret in auth.password works in token mode too (§5.2)
cli "gateway health (token as --password)" \
    gateway health --url "$URL" --password "$TOKEN"
is "$CRC" 0 "health, token sent as password: exit 0" || show
has "$COUT" "Gateway Health"
ok $? "health, token sent as password: 'Gateway Health'" || show

# --- gateway status -----------------------------------------------------------
cli "gateway status" gateway status --url "$URL" --token "$TOKEN"
is "$CRC" 0 "status: exit 0" || show
has "$COUT" "Connectivity probe: ok"
ok $? "status: 'Connectivity probe: ok'" || show
has "$COUT" "Probe target: $URL"
ok $? "status: 'Probe target: <url>'" || show
like "$COUT" $'(^|\n)Gateway version: [^\n]+' "status: 'Gateway version: ...'" ||
    show
like "$COUT" $'(^|\n)Capability: (read-only|connected-no-operator-scope)(\n|$)' \
    "status: 'Capability: ...' from hello-ok auth.scopes" || show

cli "gateway status --json" gateway status --url "$URL" --token "$TOKEN" --json
is "$CRC" 0 "status --json: exit 0" || show
is "$(jq -r '.rpc.ok' <<<"$COUT" 2>/dev/null)" true "status --json: rpc.ok" ||
    show
is "$(jq -r '.rpc.kind' <<<"$COUT" 2>/dev/null)" connect \
    "status --json: rpc.kind connect" || show
is "$(jq -r '.rpc.url' <<<"$COUT" 2>/dev/null)" "$URL" \
    "status --json: rpc.url" || show
is "$(jq -r '.rpc.auth.role' <<<"$COUT" 2>/dev/null)" operator \
    "status --json: rpc.auth.role operator" || show

cli "gateway status --require-rpc" \
    gateway status --url "$URL" --token "$TOKEN" --require-rpc
is "$CRC" 0 "status --require-rpc: exit 0 (status call as gateway-client)" ||
    show
has "$COUT" "Read probe: ok"
ok $? "status --require-rpc: 'Read probe: ok'" || show

# --- gateway call ---------------------------------------------------------------
cli "gateway call health" gateway call health --url "$URL" --token "$TOKEN"
is "$CRC" 0 "call health: exit 0" || show
is "$(head -n 1 <<<"$COUT")" "Gateway call: health" \
    "call health: 'Gateway call: health'" || show
is "$(tail -n +2 <<<"$COUT" | jq -r .ok 2>/dev/null)" true \
    "call health: payload ok: true" || show

cli "gateway call status" gateway call status --url "$URL" --token "$TOKEN"
is "$CRC" 0 "call status: exit 0 (operator.read kept for loopback cli)" ||
    show
is "$(head -n 1 <<<"$COUT")" "Gateway call: status" \
    "call status: 'Gateway call: status'" || show
is "$(tail -n +2 <<<"$COUT" | jq -r type 2>/dev/null)" object \
    "call status: payload is an object" || show

cli "gateway call status --json" \
    gateway call status --url "$URL" --token "$TOKEN" --json
is "$CRC" 0 "call status --json: exit 0" || show
is "$(jq -r type <<<"$COUT" 2>/dev/null)" object \
    "call status --json: stdout is the payload object" || show

# --- gateway probe ----------------------------------------------------------------
explicit='.targets[] | select(.id == "explicit")'
cli "gateway probe --json" gateway probe --url "$URL" --token "$TOKEN" --json
is "$CRC" 0 "probe --json: exit 0" || show
is "$(jq -r .ok <<<"$COUT" 2>/dev/null)" true "probe --json: ok: true" || show
is "$(jq -r .primaryTargetId <<<"$COUT" 2>/dev/null)" explicit \
    "probe --json: primaryTargetId explicit" || show
is "$(jq -r "$explicit | .url" <<<"$COUT" 2>/dev/null)" "$URL" \
    "probe --json: explicit target url" || show
is "$(jq -r "$explicit | .connect.ok" <<<"$COUT" 2>/dev/null)" true \
    "probe --json: explicit target connect.ok" || show
is "$(jq -r "$explicit | .auth.role" <<<"$COUT" 2>/dev/null)" operator \
    "probe --json: explicit target auth.role operator" || show

cli "gateway probe" gateway probe --url "$URL" --token "$TOKEN"
is "$CRC" 0 "probe: exit 0" || show
has "$COUT" "Reachable: yes"
ok $? "probe: 'Reachable: yes'" || show
like "$COUT" $'\n  Connect: ok \\([0-9]+ms\\)' "probe: 'Connect: ok (Nms)'" ||
    show

# --- a wrong token ------------------------------------------------------------------
cli "gateway health (wrong token)" gateway health --url "$URL" --token "$WRONG"
isnt "$CRC" 0 "wrong token, health: exit != 0" || show
is "$CRC" 1 "wrong token, health: exit 1" || show
has "$CERR" "$MISMATCH_CLI"
ok $? "wrong token, health: the CLI-local mismatch message" || show
has "$CERR" "gateway connect failed: GatewayClientRequestError: $MISMATCH_CLI"
ok $? "wrong token, health: as a GatewayClientRequestError" || show

cli "gateway call status (wrong token)" \
    gateway call status --url "$URL" --token "$WRONG"
is "$CRC" 1 "wrong token, call: exit 1" || show
has "$CERR" "Gateway call failed: $MISMATCH_CLI"
ok $? "wrong token, call: 'Gateway call failed: <mismatch>'" || show

# a backend client (gateway-client) gets the "other" hint
cli "gateway status --require-rpc (wrong token)" \
    gateway status --url "$URL" --token "$WRONG" --require-rpc
is "$CRC" 1 "wrong token, status --require-rpc: exit 1" || show
contains "$CERR" "$MISMATCH_OTHER"
ok $? "wrong token, status --require-rpc: '(provide gateway auth token)'" ||
    show

# the probe reports the failure (exit 0: it only fails when unreachable)
cli "gateway probe --json (wrong token)" \
    gateway probe --url "$URL" --token "$WRONG" --json
is "$CRC" 0 "wrong token, probe --json: exit 0 (reachable)" || show
is "$(jq -r "$explicit | .connect.error" <<<"$COUT" 2>/dev/null)" \
    "$MISMATCH_OTHER" "wrong token, probe --json: connect.error" || show
is "$(jq -r "$explicit | .connect.close | \"\(.code)|\(.reason)\"" \
    <<<"$COUT" 2>/dev/null)" "1008|$MISMATCH_OTHER" \
    "wrong token, probe --json: close 1008 with the message" || show
is "$(jq -r "$explicit | .connect.rpcOk" <<<"$COUT" 2>/dev/null)" false \
    "wrong token, probe --json: rpcOk false" || show

# === password mode ===========================================================
start_gateway password "$PASSWORD"

cli "gateway health --password" gateway health --url "$URL" --password "$PASSWORD"
is "$CRC" 0 "password: health exit 0" || show
has "$COUT" "Gateway Health"
ok $? "password: 'Gateway Health'" || show
like "$COUT" $'(^|\n)OK( \\([0-9]+ms\\))?(\n|$)' "password: 'OK'" || show

cli "gateway call status --password" \
    gateway call status --url "$URL" --password "$PASSWORD"
is "$CRC" 0 "password: call status exit 0" || show
is "$(head -n 1 <<<"$COUT")" "Gateway call: status" \
    "password: 'Gateway call: status'" || show

cli "gateway health (password as --token)" \
    gateway health --url "$URL" --token "$PASSWORD"
is "$CRC" 0 "password sent as token: exit 0 (§5.2)" || show

cli "gateway health (wrong password)" \
    gateway health --url "$URL" --password "$WRONG"
is "$CRC" 1 "wrong password: exit 1" || show
has "$CERR" "$PW_MISMATCH_CLI"
ok $? "wrong password: the CLI-local password mismatch message" || show

stop_daemon

done_testing
