#!/bin/bash
# t_audit.sh: the audit log (issue 15; clawgated.conf(5) clawgate.audit).
# Takes about 7 s.
#
# One JSON line per connect verdict and per pairing/token change, with
# the expected fields and codes and no secret, token or fingerprint in
# any line; SIGUSR1 to the master reopens the file (logrotate); a log
# that cannot be written (/dev/full) loses lines, says so, and stops no
# handshake.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

CLAWGATE=${CLAWGATE:-$top_builddir/clawgate}
[ -x "$CLAWGATE" ] || skip_all "$CLAWGATE is not built"

unset OPENCLAW_GATEWAY_TOKEN CLAWGATE_GATEWAY_TOKEN CLAWGATE_CONFIG \
    OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR
export HOME=$TESTDIR/home
mkdir -p "$HOME"

B64U43='^[A-Za-z0-9_-]{43}$'

cg()	# cg ARGS...: clawgate on the daemon's config; $OUT, $RC
{
	OUT=$("$CLAWGATE" -f "$DAEMON_CONF" "$@" 2>&1 </dev/null)
	RC=$?
}

tok()
{
	cparams '.auth={token:"'"$TOKEN"'"}' "$@"
}

# nlines FILE: lines in FILE (0 if absent).
nlines()
{
	[ -f "$1" ] && wc -l <"$1" || echo 0
}

# last [N]: the N-th line from the end of the audit log.
last()
{
	tail -n "${1:-1}" "$AUDIT" | head -n 1
}

# field JQ [N]: a field of that line.
field()
{
	jq -r "$1" <<<"$(last "${2:-1}")" 2>/dev/null
}

start_daemon '{"gateway": {"auth": {"mode": "token"},
    "localPeers": ["127.0.0.1/32"]}}'
AUDIT=$DAEMON_DIR/state/audit.jsonl
TOKEN=$(head -n 1 "$DAEMON_DIR/state/gateway.token")
like "$TOKEN" "$B64U43" "the daemon generated its token"
ok '[ -f "$AUDIT" ]' "the default audit log exists: <stateDir>/audit.jsonl"
is "$(stat -c %a "$AUDIT")" 600 "mode 0600"

# ------------------------------------------------------ a right token
N=$(nlines "$AUDIT")
wsr --connect "$(tok)"
is "$(resq c1 .ok)" true "the right token connects"
is "$(nlines "$AUDIT")" $((N + 1)) "one audit line"
is "$(field '[.event, .outcome, .method, .peer, .tenant, .client.id,
    .client.mode, .client.platform, .role] | join(" ")')" \
    "connect OK token 127.0.0.1 default cli cli linux operator" \
    "event, outcome, method, peer, tenant, client, role"
like "$(field .time)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' \
    "time: RFC 3339 UTC with milliseconds"
is "$(field '.scopes | join(",")')" "operator.read,operator.write" \
    "the granted scopes, by name"
is "$(field 'has("details")')" false "no details on OK"

# ------------------------------------------------------ a wrong token
N=$(nlines "$AUDIT")
WRONG=$(secret)
wsr --connect "$(cparams '.auth={token:"'"$WRONG"'"}')"
is "$(resq c1 .error.details.code)" AUTH_TOKEN_MISMATCH "a wrong token is refused"
is "$(nlines "$AUDIT")" $((N + 1)) "one audit line"
is "$(field '[.outcome, .details.code, .method] | join(" ")')" \
    "DENY AUTH_TOKEN_MISMATCH token" "DENY with details.code AUTH_TOKEN_MISMATCH"

# ------------------------------------------------------ silent pairing
N=$(nlines "$AUDIT")
wsr --device-seed "$(printf '%064x' 401)" --connect "$(tok)"
SDT=$(resq c1 .payload.auth.deviceToken)
like "$SDT" "$B64U43" "a loopback device is paired silently"
SDID=$(resq c1 .payload.auth.deviceId)
[ -n "$SDID" ] && [ "$SDID" != null ] || SDID=$(field .deviceId 2)
is "$(nlines "$AUDIT")" $((N + 2)) "two lines: the verdict and the pairing"
is "$(field '[.event, .outcome, .method] | join(" ")' 2)" "connect OK token" \
    "the verdict"
is "$(field '[.event, .operator, .outcome, .role] | join(" ")')" \
    "device.pair.silent silent OK operator" "the silent pairing"
is "$(field .deviceId)" "$(field .deviceId 2)" "both name the device"

# --------------------------- a remote device, approved on the control socket
N=$(nlines "$AUDIT")
wsr --bind 127.0.0.2 --device-seed "$(printf '%064x' 402)" --connect "$(tok)"
RID=$(resq c1 .error.details.requestId)
is "$(resq c1 .error.details.code)" PAIRING_REQUIRED "remote device: pairing required"
is "$(field '[.outcome, .details.code, .details.requestId, .peer] | join(" ")')" \
    "DENY PAIRING_REQUIRED $RID 127.0.0.2" "audited: DENY PAIRING_REQUIRED, its request, its peer"
RDID=$(field .deviceId)
cg devices approve "$RID"
is "$RC" 0 "clawgate devices approve: exit 0" || diag "$OUT"
is "$(field '[.event, .outcome, .deviceId, .requestId, .role] | join(" ")')" \
    "device.pair.approve OK $RDID $RID operator" "the approval is audited"
is "$(field .operator)" "local uid $(id -u)" "with the operator: the control socket's uid"
wsr --bind 127.0.0.2 --device-seed "$(printf '%064x' 402)" --connect "$(tok)"
RDT=$(resq c1 .payload.auth.deviceToken)
like "$RDT" "$B64U43" "the approved device connects"

# ------------------------------------------------------ a token revoke
N=$(nlines "$AUDIT")
cg devices revoke --device "$RDID" --role operator
is "$RC" 0 "the device token is revoked through the control socket" || diag "$OUT"
is "$(field '[.event, .outcome, .deviceId, .role, .operator] | join(" ")')" \
    "device.token.revoke OK $RDID operator local uid $(id -u)" \
    "the revocation is audited"
wsr --bind 127.0.0.2 --device-seed "$(printf '%064x' 402)" \
    --connect "$(cparams '.auth={deviceToken:"'"$RDT"'"}')"
is "$(field '[.outcome, .details.code, .method] | join(" ")')" \
    "DENY AUTH_DEVICE_TOKEN_MISMATCH device-token" "the revoked token's refusal"

# ------------------------------------------------------ no secrets
FP=$(grep -o 'fingerprint [0-9a-f]\{8,\}' "$DAEMON_LOG" | head -n 1 | cut -d' ' -f2)
like "$FP" '^[0-9a-f]{8,}$' "the daemon's fingerprint (from its log)"
ok '! grep -qF -e "$TOKEN" -e "$WRONG" -e "$SDT" -e "$RDT" -e "$FP" "$AUDIT"' \
    "no line holds the token, the wrong token, a device token or a fingerprint"
ok '! jq -e "[paths | .[-1] | strings] | any(test(\"token|fingerprint|secret|password\"; \"i\"))" "$AUDIT" | grep -q true' \
    "no token, fingerprint, secret or password field"
ok 'jq -e . "$AUDIT" >/dev/null' "every line is JSON"

# ------------------------------------------------------ SIGUSR1 reopens
# As logrotate does it: the shipped snippet's postrotate command, pointed
# at this daemon's pid file (its first line is the pid; the rest names the
# instance).
mv "$AUDIT" "$AUDIT.1"
N1=$(nlines "$AUDIT.1")
ROT=$(sed -n '/postrotate/,/endscript/p' "$top_srcdir/etc/logrotate.d/clawgated" |
    sed '1d;$d')
ROT=${ROT//\/run\/clawgate\/clawgated.pid/$DAEMON_DIR/run/clawgated.pid}
sh -c "$ROT"
ok 'wait_for 50 test -f "$AUDIT"' "logrotate's postrotate (SIGUSR1): the master opens a new file"
wait_lines "$DAEMON_LOG" 'audit log reopened' 1 50
wsr --connect "$(tok)"
wait_for 20 test -s "$AUDIT"
is "$(nlines "$AUDIT")" 1 "the next decision goes to the new file"
is "$(nlines "$AUDIT.1")" "$N1" "and not to the old one"
is "$(stat -c %a "$AUDIT")" 600 "the new file is 0600 too"

# ------------------------------------------------------ syslog, off: config
cat >"$TESTDIR/bad.json5" <<'EOC'
{ clawgate: { audit: { path: "relative/audit.jsonl" } } }
EOC
OUT=$("$CLAWGATED" -n -f "$TESTDIR/bad.json5" 2>&1)
like "$OUT" 'clawgate.audit.path: must be an absolute path' \
    "a relative path is a configuration error"

# ------------------------------------------------------ a failing disk
stop_daemon
start_daemon '{"gateway": {"auth": {"mode": "token"},
    "localPeers": ["127.0.0.1/32"]}, "clawgate": {"audit": {"path": "/dev/full"}}}'
TOKEN=$(head -n 1 "$DAEMON_DIR/state/gateway.token")
wsr --connect "$(tok)"
is "$(resq c1 .ok)" true "audit log on /dev/full: the handshake still succeeds"
wsr --connect "$(tok)"
is "$(resq c1 .ok)" true "and the next one"
ok 'wait_lines "$DAEMON_LOG" "audit log: cannot write a line .*lines are lost" 1 30' \
    "the log says audit lines are lost"
is "$(grep -c 'audit log: cannot write' "$DAEMON_LOG")" 1 "once, not per line"
stop_daemon

# ------------------------------------------------------ syslog
# Lines go to the master, which calls syslog(3) (authd's sandbox has no
# socket for /dev/log); no file, and handshakes work.
start_daemon '{"gateway": {"auth": {"mode": "token"}},
    "clawgate": {"audit": {"path": "syslog"}}}'
TOKEN=$(head -n 1 "$DAEMON_DIR/state/gateway.token")
wsr --connect "$(tok)"
is "$(resq c1 .ok)" true "path syslog: connects"
wsr --connect "$(cparams '.auth={token:"wrong"}')"
is "$(resq c1 .error.details.code)" AUTH_TOKEN_MISMATCH "path syslog: a wrong token is refused"
ok '[ ! -e "$DAEMON_DIR/state/audit.jsonl" ]' "path syslog: no audit file"
ok 'kill -0 "$DAEMON_PID"' "the daemon is still up"
stop_daemon

# ------------------------------------------------------ off
start_daemon '{"gateway": {"auth": {"mode": "token"}},
    "clawgate": {"audit": {"path": "off"}}}'
TOKEN=$(head -n 1 "$DAEMON_DIR/state/gateway.token")
wsr --connect "$(tok)"
is "$(resq c1 .ok)" true "path off: connects"
ok '[ ! -e "$DAEMON_DIR/state/audit.jsonl" ]' "path off: no audit file"
stop_daemon

done_testing
