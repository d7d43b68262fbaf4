#!/bin/bash
# t_cli.sh: clawgate(1), the operator CLI, against a running clawgated:
# in-place config edits (comments kept byte for byte, validated, atomic,
# secrets never from argv), gateway status/reload/restart/stop, the
# dashboard link and token rotation (as a person sees them in a
# terminal), logs, doctor with every finding staged and fixed, and the
# devices commands (through the real daemon when its authd answers
# control-socket RPCs, and against a recorded fake socket for the exact
# output and requests).
. "$top_srcdir/tests/lib.sh"

CLAWGATE=${CLAWGATE:-$top_builddir/clawgate}
[ -x "$CLAWGATE" ] || skip_all "$CLAWGATE is not built"

# The CLI never reads these for diagnosis; keep the runner's out of it.
unset OPENCLAW_GATEWAY_TOKEN CLAWGATE_GATEWAY_TOKEN CLAWGATE_CONFIG \
    OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR
export HOME=$TESTDIR/home
mkdir -p "$HOME"

fp()	# fp SECRET: its fingerprint, as the running daemon makes it (only
	# the daemon holds the key), asked over the control socket
{
	printf '%s' "$1" | "$CLAWGATE" -f "$DAEMON_CONF" token fingerprint \
	    --json - 2>/dev/null | jq -r .fingerprint
}

gone()	# gone PID: not running (a zombie nobody reaped counts as gone)
{
	! kill -0 "$1" 2>/dev/null ||
	    [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" = Z ]
}

# tmux: what a person sees in a 200x50 terminal.
TMUX_OK=0
command -v tmux >/dev/null 2>&1 && TMUX_OK=1
TMUX_SOCK=$TESTDIR/tmux.sock
tmx()
{
	tmux -S "$TMUX_SOCK" "$@"
}
screen_has()	# screen_has SESSION ERE
{
	tmx capture-pane -p -t "$1" 2>/dev/null | grep -qE "$2"
}

# ============================================================ basics
cg --help
is "$RC" 0 "--help exits 0"
like "$OUT" "doctor \[--fix\]" "--help lists the commands"
cg
is "$RC" 2 "no command: usage error, exit 2"
cg frobnicate
is "$RC" 2 "unknown command: exit 2"
cg config set --help
is "$RC" 0 "config set --help exits 0"
like "$OUT" "never taken.*from the command line" "config help says secrets are not taken from argv"

# ============================================================ config edits
# Every config written here names its own port, stateDir and runDir: the
# defaults (18789, /run/clawgate) may belong to a daemon that is not ours
# (the quick start's, which scripts/test.sh keeps running on purpose).
D=$TESTDIR/cfg
mkdir -p "$D"
CF=$D/clawgate.json5
CP=$(free_port)
CP2=$(free_port)
cat >"$CF" <<EOF
// clawgated configuration: keep this comment
{
  /* the gateway itself */
  gateway: {
    port: $CP, // the port, with a comment
    bind: 'loopback',
    auth: { mode: 'token' },
  },
  clawgate: { stateDir: '$D/state', runDir: '$D/run' },
}
EOF
chmod 640 "$CF"
cp "$CF" "$D/orig"

cg -f "$CF" config set gateway.port "$CP2"
is "$RC" 0 "config set gateway.port: exit 0"
like "$OUT" "Updated gateway.port in $CF" "config set says what it changed"
is "$(diff "$D/orig" "$CF" | grep -c '^[<>]')" 2 "config set changed exactly one line"
ok 'diff "$D/orig" "$CF" | grep -qx ">     port: $CP2, // the port, with a comment"' \
    "the edited line keeps its trailing comment"
is "$(stat -c %a "$CF")" 640 "the file keeps its mode"
sed "s/port: $CP,/port: $CP2,/" "$D/orig" | cmp -s - "$CF"
ok $? "every other byte is unchanged (comments, quotes, trailing commas)"

cp "$CF" "$D/before"
cg -f "$CF" config set gateway.controlUi.allowedOrigins '["https://ui.example"]'
is "$RC" 0 "config set creates a missing nested object"
is "$(diff "$D/before" "$CF" | grep '^>' | tr -d '\n')" \
    ">     controlUi: {>       allowedOrigins: ['https://ui.example']>     }," \
    "the new member is indented like its siblings, in their quote style"
cg -f "$CF" config unset gateway.controlUi
is "$RC" 0 "config unset: exit 0"
cmp -s "$D/before" "$CF"
ok $? "unset removes the member, its lines and its comma: the file is as before"

cg -f "$CF" config set gateway.controlUi.allowInsecureAuth true
is "$RC" 1 "a retired key is refused (exit 1)"
like "$OUT" "allowInsecureAuth: retired.*devices approve" "with config.c's explanation of what replaced it"
cmp -s "$D/before" "$CF"
ok $? "a refused edit leaves the file untouched"
cg -f "$CF" config set gateway.prot 1
like "$OUT" "did you mean gateway\\.port" "an unknown key is refused with a suggestion"
cg -f "$CF" config set gateway.bind custom
is "$RC" 1 "bind custom without a host is refused (whole-file validation)"
printf '[{"path":"gateway.bind","value":"custom"},{"path":"gateway.customBindHost","value":"127.0.0.2"}]' \
    >"$D/batch.json"
cg -f "$CF" config set --batch "$D/batch.json"
is "$RC" 0 "--batch applies two changes that are only valid together"
cg -f "$CF" config get gateway.customBindHost
is "$OUT" "127.0.0.2" "config get reads the batch's value"
printf '[{"path":"gateway.bind","value":"loopback"},{"path":"gateway.customBindHost","unset":true}]' \
    >"$D/batch.json"
cg -f "$CF" config set --batch "$D/batch.json"
cmp -s "$D/before" "$CF"
ok $? "a second batch restores the file byte for byte"
cg -f "$CF" config set gateway.auth.mode none
cg -f "$CF" config set gateway.bind lan
is "$RC" 1 "auth none on a network bind is refused like the daemon refuses it"
like "$OUT" "refusing auth mode none" "with the daemon's message"
cg -f "$CF" config unset gateway.auth.mode

# secrets
SECRET=argv-secret-0123456789abcdefghij
cg -f "$CF" config set gateway.auth.token "$SECRET"
is "$RC" 2 "a secret on the command line is a usage error"
like "$OUT" "refusing to take gateway.auth.token from the command line" "and says why"
ok '! grep -q "$SECRET" "$CF"' "the argv secret was not written"
OUT=$(printf 'abc#def&0123456789abcdefgh\n' | "$CLAWGATE" -f "$CF" config set gateway.auth.token - 2>&1)
RC=$?
is "$RC" 1 "a token with URL/shell characters is refused"
like "$OUT" "character 4 is '#'" "the message names the character and where it is"
ok '! grep -q "abc#def" <<<"$OUT"' "the message does not print the token"
printf 'file-token-0123456789abcdefghijklmnop\n' >"$D/tok"
chmod 600 "$D/tok"
cg -f "$CF" config set gateway.auth.token --from-file "$D/tok"
is "$RC" 0 "--from-file sets the token"
ok '! grep -q fingerprint <<<"$OUT"' \
    "no daemon runs: no fingerprint (only the daemon can make one)"
ok '! grep -q file-token <<<"$OUT"' "the token is not printed"
cg -f "$CF" config get gateway.auth.token
is "$OUT" "__OPENCLAW_REDACTED__" "config get redacts the token"
cg -f "$CF" config get gateway.auth
ok '! grep -q file-token <<<"$OUT"' "config get of a parent object redacts it too"
cg -f "$CF" config set gateway.auth.token --generate
GEN=$(sed -n "s/.*token: '\\([^']*\\)'.*/\\1/p" "$CF")
like "$GEN" '^[A-Za-z0-9_-]{43}$' "--generate writes a 43-char base64url token (32 bytes)"
cg -f "$CF" config get gateway.auth.password
is "$RC" 1 "config get of an unset key: exit 1"
like "$OUT" "valid but unset: gateway.auth.password" "and says the key is valid but unset"
cg -f "$CF" config get gateway.nope
like "$OUT" "gateway.nope: unknown key" "config get of an unknown key says so"
cg -f "$CF" config validate
is "$RC" 0 "config validate: exit 0 on a valid file"
printf '{ gateway: { controlUi: { allowInsecureAuth: true } } }\n' >"$D/bad.json5"
cg -f "$D/bad.json5" config validate
is "$RC" 1 "config validate: exit 1 on an invalid file"
like "$OUT" "bad.json5:1:27: gateway.controlUi.allowInsecureAuth" "with file:line:col and the key"
cg -f "$D/bad.json5" config validate --json
is "$(jq -r '.valid' <<<"$OUT")" false "config validate --json: valid false"
if [ "$(id -u)" = 0 ]; then
	chown nobody "$CF"
	cg -f "$CF" config set gateway.port "$(free_port)"
	is "$(stat -c %U "$CF")" nobody "run as root, an edit keeps the file's owner"
else
	skip 1 "not root: cannot hand the file to another owner"
fi

# ============================================================ gateway
CONF="// test daemon
{
  gateway: {
    port: @PORT@,
    auth: { mode: 'token' }, // token generated in the state dir
  },
  clawgate: { stateDir: '@STATEDIR@', runDir: '@RUNDIR@', workers: 1 },
}"
start_daemon "$CONF"
STATE=$DAEMON_DIR/state
cgd gateway status
is "$RC" 0 "gateway status: exit 0 when the listeners match"
like "$OUT" "PID: +$DAEMON_PID, started" "status shows the pid and start time"
like "$OUT" "127\\.0\\.0\\.1:$PORT +127\\.0\\.0\\.1:$PORT" "configured and actual listeners side by side"
like "$OUT" "fingerprint [0-9a-f]{16}" "status shows the secret's fingerprint"
cg --socket "$DAEMON_DIR/run/clawgated.sock" gateway status --json
is "$(jq -r '.pid' <<<"$OUT")" "$DAEMON_PID" "--socket reaches the daemon; --json has the pid"
is "$(jq -r '.listeners.match' <<<"$OUT")" true "--json: listeners match"
DFP=$(jq -r '.auth.fingerprint' <<<"$OUT")
TOKEN=$(head -n 1 "$STATE/gateway.token")
is "$DFP" "$(fp "$TOKEN")" "the fingerprint is that of the token in the state file"

cgd config set gateway.bind lan
cgd gateway status
is "$RC" 1 "status exits 1 when the file asks for other listeners"
like "$OUT" "0\\.0\\.0\\.0:$PORT +127\\.0\\.0\\.1:$PORT" "it shows configured vs actual"
like "$OUT" "MISMATCH" "and calls it a mismatch"
cgd config unset gateway.bind
cgd gateway status
is "$RC" 0 "back in sync"

cp "$DAEMON_CONF" "$TESTDIR/conf.ok"
sed -i 's|gateway: {|gateway: {\n    controlUi: { allowInsecureAuth: true },|' "$DAEMON_CONF"
cgd gateway reload
is "$RC" 1 "reload of a broken config: exit 1"
like "$OUT" "Reload failed: .*allowInsecureAuth" "it shows the exact config error"
like "$OUT" "old configuration stays active" "and that the old config stays active"
cgd config unset gateway.controlUi
cmp -s "$TESTDIR/conf.ok" "$DAEMON_CONF"
ok $? "config unset repairs the hand-broken file byte for byte"
cgd gateway reload
is "$RC" 0 "reload succeeds"
like "$OUT" "Reloaded \\(generation 2\\)" "it reports the new generation (the failed reload made none)"

# dashboard: the token only on a terminal or with --show-token
cgd dashboard
is "$RC" 0 "dashboard: exit 0"
like "$OUT" "Dashboard URL: http://127\\.0\\.0\\.1:$PORT/"$'\n' "piped: the URL without the token"
ok '! grep -q "$TOKEN" <<<"$OUT"' "piped: the token is not printed"
like "$OUT" "--show-token" "piped: it says how to get the full link"
cgd dashboard --show-token
like "$OUT" "http://127\\.0\\.0\\.1:$PORT/#token=$TOKEN" "--show-token: the tokenized link"
cgd dashboard --json
is "$(jq -r '.tokenIncluded' <<<"$OUT")" false "--json piped: tokenIncluded false"
if [ $TMUX_OK = 1 ]; then
	tmx new-session -d -s dash -x 200 -y 50 \
	    "'$CLAWGATE' -f '$DAEMON_CONF' dashboard; sleep 30"
	wait_for 50 screen_has dash "#token="
	ok $? "in a terminal, dashboard shows the tokenized link"
	ok 'tmx capture-pane -p -t dash | grep -qF "#token=$TOKEN"' \
	    "the link on screen carries the token"
	tmx kill-session -t dash 2>/dev/null
else
	skip 2 "tmux is not installed"
fi

# logs of a foreground daemon: its stderr, not a file
cgd logs
is "$RC" 1 "logs of a foreground (-d) daemon: exit 1"
like "$OUT" "foreground" "and it says where the log goes"

# restart: same binary, arguments, environment and user; detached
OLDPID=$DAEMON_PID
OLDUSER=$(stat -c %U "/proc/$OLDPID")
cgd gateway restart
is "$RC" 0 "gateway restart: exit 0" || diag "$OUT"
cgd gateway status --json
NEWPID=$(jq -r '.pid' <<<"$OUT")
isnt "$NEWPID" "$OLDPID" "a new daemon runs"
gone "$OLDPID"
ok $? "the old one is gone"
is "$(jq -r '.listeners.actual[0]' <<<"$OUT")" "127.0.0.1:$PORT" "on the same port (its --port argument kept)"
is "$(stat -c %U "/proc/$NEWPID")" "$OLDUSER" "as the same user"
is "$(jq -r '.auth.fingerprint' <<<"$OUT")" "$(fp "$TOKEN")" "with the same token"
LOGFILE=$(jq -r '.logFile' <<<"$OUT")
is "$LOGFILE" "$STATE/clawgated.log" "detached, it logs to its state directory"

cgd logs -n 3
is "$RC" 0 "logs: exit 0"
is "$(grep -c '^20' <<<"$OUT")" 3 "logs -n 3 prints three log lines"
cgd logs --since 1h -n 1000
like "$OUT" "info clawgated: ready" "logs --since 1h includes the startup"
cgd logs --since 2001-01-01T00:00 -n 1000
ok '[ "$(grep -c "^20" <<<"$OUT")" -gt 3 ]' "an absolute --since works"
cgd logs --since yesterday-ish
is "$RC" 2 "an unreadable --since is a usage error"
if [ $TMUX_OK = 1 ]; then
	tmx new-session -d -s logs -x 200 -y 50 \
	    "'$CLAWGATE' -f '$DAEMON_CONF' logs --follow -n 2; sleep 30"
	wait_for 50 screen_has logs "clawgated"
	cgd gateway reload
	wait_for 50 screen_has logs "reloaded \\(generation 2\\)"
	ok $? "logs --follow shows a new line as it is written"
	tmx send-keys -t logs C-c
	wait_for 30 screen_has logs "^\\$|sleep|^$"
	tmx kill-session -t logs 2>/dev/null
else
	skip 1 "tmux is not installed"
fi

# token rotate: persisted, live, the old token stops working
cgd token rotate
is "$RC" 0 "token rotate: exit 0"
NEWTOKEN=$(head -n 1 "$STATE/gateway.token")
isnt "$NEWTOKEN" "$TOKEN" "the state file holds a new token"
like "$NEWTOKEN" '^[A-Za-z0-9_-]{43}$' "a URL-safe 43-character token"
like "$OUT" "new fingerprint $(fp "$NEWTOKEN")" "it prints the new fingerprint"
ok '! grep -q "$NEWTOKEN" <<<"$OUT"' "piped, the new token is not printed"
wsr --connect "$(cparams ".auth={token:\"$NEWTOKEN\"}")"
is "$(q 'select(.ev=="recv" and .json.id=="c1") | .json.ok')" true "the new token works at once"
wsr --connect "$(cparams ".auth={token:\"$TOKEN\"}")"
is "$(q 'select(.ev=="recv" and .json.id=="c1") | .json.ok')" false "the old token is refused"
TOKEN=$NEWTOKEN

cgd gateway stop
is "$RC" 0 "gateway stop: exit 0"
like "$OUT" "Stopped clawgated \\(pid $NEWPID\\)" "it names the pid it stopped"
gone "$NEWPID"
ok $? "the daemon is gone when stop returns"
cgd gateway status
is "$RC" 1 "status of a stopped daemon: exit 1"
like "$OUT" "not running" "and says it is not running"
cgd gateway stop
is "$RC" 0 "stopping a stopped daemon is a no-op (exit 0)"
cgd logs -n 1
is "$RC" 0 "logs still reads a stopped daemon's log file"
like "$OUT" "stopped" "whose last line says it stopped"
DAEMON_PID=

# ============================================================ doctor
start_daemon "$CONF"
STATE=$DAEMON_DIR/state
TOKEN=$(head -n 1 "$STATE/gateway.token")
cgd doctor
is "$RC" 0 "doctor on a healthy gateway: exit 0"
like "$OUT" "No problems found" "and says so"
cgd doctor --json
is "$(jq -r '.exitCode' <<<"$OUT")" 0 "doctor --json: exitCode 0"

OUT=$(OPENCLAW_GATEWAY_TOKEN=shell-token-0123456789abcdefghijk "$CLAWGATE" -f "$DAEMON_CONF" doctor 2>&1)
RC=$?
is "$RC" 1 "a different token in the shell: warning, exit 1"
like "$OUT" "env-token-differs: \\\$OPENCLAW_GATEWAY_TOKEN in your shell \\(fingerprint $(fp shell-token-0123456789abcdefghijk)\\) differs from the token the running daemon uses \\(fingerprint $(fp "$TOKEN")" \
    "it compares fingerprints and says which one the daemon uses"
ok '! grep -q shell-token <<<"$OUT"' "the shell's token is not printed"
OUT=$(OPENCLAW_GATEWAY_TOKEN=$TOKEN "$CLAWGATE" -f "$DAEMON_CONF" doctor 2>&1)
is "$?" 0 "the daemon's own token in the shell: no finding"

mkdir -p "$HOME/.openclaw"
printf '{ gateway: { mode: "remote", remote: { url: "ws://127.0.0.1:%s", token: "cli-token-0123456789abcdefghijklm" } } }\n' \
    "$PORT" >"$HOME/.openclaw/openclaw.json"
cgd doctor
is "$RC" 1 "a client-side gateway.remote.token that differs: exit 1"
like "$OUT" "client-token-differs: .*openclaw.json has gateway.remote.token \\(fingerprint $(fp cli-token-0123456789abcdefghijklm)\\), the token it sends" \
    "it names the client file and key, by fingerprint"
printf '{ gateway: { remote: { token: "a+b&c#d-0123456789abcdefghijkl" } } }\n' >"$TESTDIR/client.json"
cgd doctor --client-config "$TESTDIR/client.json"
like "$OUT" "unsafe-token: gateway.remote.token in $TESTDIR/client.json: character 2 is '\\+'" \
    "a client token with URL-breaking characters is flagged"
rm -rf "$HOME/.openclaw"

cgd config set gateway.auth.token --generate
like "$OUT" "warning: $DAEMON_CONF is mode 0644 and now holds a secret" \
    "a secret written into a world-readable file is warned about"
chmod 600 "$DAEMON_CONF"
cgd doctor
like "$OUT" "config-not-applied" "a token changed in the file but not reloaded is flagged"
cgd gateway reload
cgd doctor
is "$RC" 0 "after the reload doctor is clean again"
# The generated gateway.token, outranked now, was set aside (issue 10
# item 15); one that holds the token in use is no conflict.
ok '[ ! -e "$STATE/gateway.token" ] && ls "$STATE"/gateway.token.stale-*' \
    "the reload set the outranked gateway.token aside"
"$CLAWGATE" -f "$DAEMON_CONF" dashboard --show-token 2>/dev/null |
    grep -o '#token=[A-Za-z0-9_-]*' | cut -d= -f2 >"$STATE/gateway.token"
[ ${#_daemon_prefix[@]} -gt 0 ] && chown "$CLAWGATE_TEST_USER:" "$STATE/gateway.token"

chmod 644 "$DAEMON_CONF" "$STATE/gateway.token"
cgd doctor
is "$RC" 2 "a world-readable token file: critical, exit 2"
like "$OUT" "permissions: the config file \\(it holds a secret\\) $DAEMON_CONF is mode 0644" \
    "the config file with a secret is flagged"
cgd doctor --fix
is "$RC" 0 "doctor --fix: nothing left, exit 0"
like "$OUT" "done: chmod 0600 $STATE/gateway.token \\(was 0644\\)" "--fix says what it changed"
is "$(stat -c %a "$DAEMON_CONF") $(stat -c %a "$STATE/gateway.token")" "600 600" \
    "the modes are fixed"

# a stale pid file and socket after a crash
kill -KILL "$DAEMON_PID" $(_descendants "$DAEMON_PID") 2>/dev/null
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
cgd doctor
like "$OUT" "stale-socket: $DAEMON_DIR/run/clawgated.sock" "a crashed daemon's socket is flagged"
like "$OUT" "stale-pidfile: $DAEMON_DIR/run/clawgated.pid names pid" "and its pid file"
cgd doctor --fix
ok '[ ! -e "$DAEMON_DIR/run/clawgated.pid" ] && [ ! -e "$DAEMON_DIR/run/clawgated.sock" ]' \
    "--fix removes both"
is "$RC" 1 "what is left is a warning: the daemon is not running"

# retired keys and a server config that only has gateway.remote.token
RT=remote-tok-0123456789abcdefghijklmn
cat >"$DAEMON_CONF" <<EOF
// test daemon
{
  gateway: {
    controlUi: { allowInsecureAuth: true }, // from an old guide
    remote: { token: '$RT' },
    port: $(free_port),
  },
  clawgate: { stateDir: '$DAEMON_DIR/state', runDir: '$DAEMON_DIR/run', workers: 1 },
}
EOF
cp "$DAEMON_CONF" "$TESTDIR/broken"
cgd doctor
is "$RC" 2 "retired key and remote-only token: critical, exit 2"
like "$OUT" "retired-key: $DAEMON_CONF:[0-9]+:[0-9]+: gateway.controlUi.allowInsecureAuth: retired" \
    "the retired key is found, with its place and config.c's explanation"
like "$OUT" "misplaced-token: the server config has only gateway.remote.token" \
    "the remote-only token is explained"
cgd doctor --fix
cgd config get gateway.auth.token
is "$OUT" "__OPENCLAW_REDACTED__" "--fix moved the token to gateway.auth.token"
cgd config validate
is "$RC" 0 "the fixed file validates"
is "$(grep -c "$RT" "$DAEMON_CONF")" 1 "the same token, once"
ok 'grep -q "^// test daemon" "$DAEMON_CONF"' "the comments survived the fixes"

# auth none or "*" on a network bind (doctor reads the file; no daemon)
OWN="clawgate: { stateDir: \"$TESTDIR/own/state\", runDir: \"$TESTDIR/own/run\" }"
printf '{ gateway: { port: %s, bind: "lan", auth: { mode: "none", dangerouslyAllowNoAuthOnNetwork: true } }, %s }\n' \
    "$(free_port)" "$OWN" >"$TESTDIR/none.json5"
cg -f "$TESTDIR/none.json5" doctor --json
is "$(jq -r '.findings[] | select(.id == "no-auth-on-network") | .severity' <<<"$OUT")" critical \
    "auth none on a lan bind is critical"
is "$(jq -r '.exitCode' <<<"$OUT")" 2 "doctor exit code 2"
printf '{ gateway: { port: %s, bind: "lan", controlUi: { allowedOrigins: ["*"] } }, %s }\n' \
    "$(free_port)" "$OWN" >"$TESTDIR/wild.json5"
cg -f "$TESTDIR/wild.json5" doctor --json
is "$(jq -r '.findings[] | select(.id == "wildcard-origin") | .severity' <<<"$OUT")" critical \
    "a \"*\" origin on a lan bind is critical"

# a second instance on the same config (an old one kept running)
start_daemon "$CONF"
FIRST=$DAEMON_PID
mkdir -p "$DAEMON_DIR/run2"
chmod 700 "$DAEMON_DIR/run2"
[ ${#_daemon_prefix[@]} -gt 0 ] && chown "$CLAWGATE_TEST_USER:" "$DAEMON_DIR/run2"
cgd config set clawgate.runDir "$DAEMON_DIR/run2"
P2=$(free_port)
HOME=$DAEMON_DIR "${_daemon_prefix[@]}" "$CLAWGATED" -d -f "$DAEMON_CONF" --port "$P2" \
    >>"$DAEMON_DIR/second.log" 2>&1 </dev/null &
SECOND=$!
_bg_pids="$_bg_pids $SECOND"
wait_for 50 test -S "$DAEMON_DIR/run2/clawgated.sock"
cgd doctor
like "$OUT" "second-instance: another clawgated \\(pid $FIRST\\) runs with the same config file" \
    "the old instance is found by its config file"
cgd gateway stop
kill -TERM "$SECOND" 2>/dev/null
stop_daemon

# container networks that will need pairing (needs a network namespace)
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	cg -f "$CF" config set gateway.bind lan
	OUT=$(unshare -n sh -c 'ip link add docker0 type bridge &&
	    ip addr add 172.17.0.1/16 dev docker0 &&
	    "$0" -f "$1" doctor --json' "$CLAWGATE" "$CF" 2>&1)
	is "$(jq -r '.findings[] | select(.id == "container-network") | .severity' <<<"$OUT")" warning \
	    "a docker0 network outside gateway.localPeers is flagged"
	like "$(jq -r '.findings[] | select(.id == "container-network") | .fix' <<<"$OUT")" \
	    "gateway.localPeers '\\[\"127\\.0\\.0\\.0/8\", \"::1\", \"172\\.17\\.0\\.0/16\"\\]'" \
	    "with the exact localPeers entry to add, loopback kept"
	cg -f "$CF" config set gateway.localPeers '["172.17.0.0/16"]'
	OUT=$(unshare -n sh -c 'ip link add docker0 type bridge &&
	    ip addr add 172.17.0.1/16 dev docker0 &&
	    "$0" -f "$1" doctor --json' "$CLAWGATE" "$CF" 2>&1)
	is "$(jq -r '[.findings[] | select(.id == "container-network")] | length' <<<"$OUT")" 0 \
	    "covered by localPeers: no finding"
else
	skip 3 "needs root and unshare -n for a dummy docker0"
fi

# ============================================================ devices (fake socket)
# The exact requests and output, against a recorded control socket.
if command -v python3 >/dev/null 2>&1; then
	FAKE=$TESTDIR/fake.sock
	REQS=$TESTDIR/fake.reqs
	cat >"$TESTDIR/fake.py" <<'EOF'
import json, socket, sys, os
path, log = sys.argv[1], sys.argv[2]
dev = "349431a73af3d00b8e1b43d277a5b20d4a6c7762c34489f9c8ad877b44ec2c44"
rid = "b8480e32-35c2-48d0-a5df-925a8117e811"
lst = {"pending": [{"requestId": rid, "deviceId": "77" * 32, "publicKey": "k",
        "displayName": "remote-box", "role": "operator", "roles": ["operator"],
        "scopes": ["operator.read"], "remoteIp": "192.0.2.2", "silent": False,
        "isRepair": False, "ts": 1795341455061},
       {"requestId": "c0ffee00-0000-4000-8000-000000000001", "deviceId": "88" * 32,
        "publicKey": "k2", "role": "operator", "roles": ["operator"],
        "scopes": ["operator.admin"], "silent": False, "isRepair": False, "ts": 1}],
       "paired": [{"deviceId": dev, "publicKey": "p", "clientId": "cli",
        "roles": ["operator"], "scopes": ["operator.read", "operator.write"],
        "tokens": [{"role": "operator", "scopes": ["operator.read"], "createdAtMs": 1}],
        "remoteIp": "127.0.0.1", "approvedVia": "silent"}]}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); s.listen(8)
while True:
    c, _ = s.accept()
    buf = b""
    while not buf.endswith(b"\n"):
        d = c.recv(65536)
        if not d: break
        buf += d
    req = json.loads(buf)
    with open(log, "a") as f: f.write(json.dumps(req, sort_keys=True) + "\n")
    m, p = req.get("method"), req.get("params", {})
    if m == "device.pair.list": ans = {"ok": True, "payload": lst}
    elif m == "device.pair.approve" and p.get("requestId") == rid:
        ans = {"ok": True, "payload": {"requestId": rid, "device": {"deviceId": "77" * 32}}}
    elif m == "device.pair.approve":
        ans = {"ok": False, "error": {"code": "INVALID_REQUEST", "message": "unknown requestId"}}
    elif m == "device.pair.reject": ans = {"ok": True, "payload": {"requestId": rid, "deviceId": "77" * 32}}
    elif m == "device.pair.remove": ans = {"ok": True, "payload": {"deviceId": p.get("deviceId")}}
    elif m == "device.token.rotate":
        ans = {"ok": True, "payload": {"deviceId": dev, "role": "operator", "scopes": p.get("scopes"),
               "rotatedAtMs": 2, "token": "SECRET-DEVICE-TOKEN", "tokenDelivery": "in-band"}}
    elif m == "device.token.revoke": ans = {"ok": True, "payload": {"deviceId": dev, "role": "operator", "revokedAtMs": 3}}
    else: ans = {"ok": False, "error": "unknown"}
    c.sendall((json.dumps(ans) + "\n").encode()); c.close()
EOF
	python3 "$TESTDIR/fake.py" "$FAKE" "$REQS" &
	_bg_pids="$_bg_pids $!"
	wait_for 50 test -S "$FAKE"
	fk() { cg --socket "$FAKE" devices "$@"; }
	lastreq() { tail -n 1 "$REQS"; }

	fk list
	is "$RC" 0 "devices list: exit 0"
	like "$OUT" "Pending \\(2\\)" "it shows the pending table"
	like "$OUT" "Request +Code +Device +Requested +Age +Status" "with openclaw's columns and the device code"
	like "$OUT" "b8480e32-35c2-48d0-a5df-925a8117e811 +77777777 +remote-box · 192\\.0\\.2\\.2 +roles: operator; scopes: operator\\.read +[0-9].* ago +new pairing" \
	    "a pending row: id, code, name · IP, requested roles/scopes, age, status"
	like "$OUT" "Paired \\(1\\)" "and the paired table"
	like "$OUT" "cli +349431a7 +349431a7[0-9a-f]+ +operator +operator\\.read, operator\\.write +operator +127\\.0\\.0\\.1" \
	    "a paired row: name, code, id, roles, scopes, tokens, IP"
	is "$(lastreq)" '{"cmd": "rpc", "method": "device.pair.list", "params": {}}' \
	    "list sends device.pair.list with empty params"
	fk list --json
	is "$(jq -r '.pending | length' <<<"$OUT")" 2 "--json prints the payload"
	fk approve b848
	is "$RC" 0 "approve by a unique prefix: exit 0"
	is "$OUT" "Approved $(printf '77%.0s' {1..32}) (b8480e32-35c2-48d0-a5df-925a8117e811)" \
	    "it prints Approved <deviceId> (<requestId>)"
	is "$(lastreq)" '{"cmd": "rpc", "method": "device.pair.approve", "params": {"requestId": "b8480e32-35c2-48d0-a5df-925a8117e811"}}' \
	    "the prefix was resolved to the full request id"
	fk approve 0000dead
	is "$RC" 1 "approve of an unknown id: exit 1"
	like "$OUT" "No pending device request matches 0000dead" "with openclaw's message"
	fk approve
	is "$RC" 1 "approve without an id only previews (exit 1)"
	like "$OUT" "Approve this exact request with: clawgate devices approve b8480e32" \
	    "and names the newest request"
	fk reject b8480e32-35c2-48d0-a5df-925a8117e811
	like "$OUT" "^Rejected 7777" "reject prints Rejected <deviceId>"
	fk remove 3494
	like "$OUT" "^Removed 349431a7" "remove by prefix prints Removed <deviceId>"
	fk rotate --device 3494 --role operator --scope operator.read
	is "$(lastreq | jq -c '.params')" \
	    '{"deviceId":"349431a73af3d00b8e1b43d277a5b20d4a6c7762c34489f9c8ad877b44ec2c44","role":"operator","scopes":["operator.read"]}' \
	    "rotate sends deviceId, role and scopes"
	ok '! grep -q SECRET-DEVICE-TOKEN <<<"$OUT"' "a device token in the answer is never printed"
	fk revoke --device 3494 --role operator
	like "$OUT" "Revoked the operator token of 349431a7" "revoke says what it revoked"
	fk rotate --device 3494
	is "$RC" 2 "rotate without --role: usage error"
else
	skip 21 "python3 is not installed (fake control socket)"
fi

# ============================================================ devices (real daemon)
start_daemon '{"gateway":{"auth":{"mode":"token","token":"devtok-0123456789abcdefghijkl"},"localPeers":["127.0.0.1/32"]}}'
cgd --timeout 12 devices list --json
if [ "$RC" = 0 ]; then
	wsr --bind 127.0.0.2 --device-seed "$(printf '%064x' 7)" \
	    --connect "$(cparams '.auth={token:"devtok-0123456789abcdefghijkl"}' '.device="SIGN"')"
	REQ=$(q 'select(.ev=="recv" and .json.id=="c1") | .json.error.details.requestId')
	cgd devices list
	like "$OUT" "$REQ +.* · 127\\.0\\.0\\.2" "the real daemon lists the remote device's request"
	cgd devices approve "${REQ:0:8}"
	like "$OUT" "^Approved [0-9a-f]{64} \\($REQ\\)" "and approves it by prefix"
	wsr --bind 127.0.0.2 --device-seed "$(printf '%064x' 7)" \
	    --connect "$(cparams '.auth={token:"devtok-0123456789abcdefghijkl"}' '.device="SIGN"')"
	is "$(q 'select(.ev=="recv" and .json.id=="c1") | .json.ok')" true \
	    "the approved device connects"
else
	skip 3 "this clawgated's authd does not answer control-socket RPCs yet ($OUT)"
fi

done_testing
