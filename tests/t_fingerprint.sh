#!/bin/bash
# t_fingerprint.sh: secret fingerprints are keyed with the install's
# fingerprint key (issue 10, item 2).  Before, they were the first 16
# hex digits of SHA-256("clawgate-fingerprint-v1:" || secret): anyone
# who saw one (a local client's details.expectedFingerprint, the log)
# could test a dictionary against it offline.  Now:
#   (a) <stateDir>/fingerprint.key (32 random bytes, 0600) is made once,
#       kept across restarts, differs per install, and a damaged one
#       stops the start with the file's name and the fix;
#   (b) a local peer's mismatch carries details.providedFingerprint and
#       details.expectedFingerprint, the ones the control socket gives;
#   (c) a remote peer gets neither;
#   (d) clawgate doctor asks the daemon, and says so when it cannot.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

CLAWGATE=${CLAWGATE:-$top_builddir/clawgate}
[ -x "$CLAWGATE" ] || skip_all "$CLAWGATE is not built"

unset OPENCLAW_GATEWAY_TOKEN CLAWGATE_GATEWAY_TOKEN CLAWGATE_CONFIG \
    OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR
export HOME=$TESTDIR/home
mkdir -p "$HOME"

TOKEN=hunter2-weak-secret
WRONG=password123

unkeyed()	# the fingerprint anyone could compute before
{
	printf 'clawgate-fingerprint-v1:%s' "$1" | sha256sum | cut -c1-16
}

logged_fp()	# the fingerprint in the start-up log line
{
	sed -n 's/.*secret source: .*; fingerprint \([0-9a-f-]*\).*/\1/p' \
	    "$DAEMON_LOG" | tail -n 1
}

ctl_fp()	# ctl_fp SECRET: the daemon's fingerprint, over the socket
{
	printf '%s' "$1" | "$CLAWGATE" -f "$DAEMON_CONF" token fingerprint \
	    --json - 2>/dev/null | jq -r .fingerprint
}

owned()		# owned DIR: hand DIR to the user the daemon runs as
{
	[ -n "${CLAWGATE_TEST_USER:-}" ] && chown -R "$CLAWGATE_TEST_USER:" "$1"
	chmod 700 "$1"
}

# An install whose state directory outlives one daemon.  Its own port
# too: doctor on it with the daemon stopped must not meet another
# instance on the default 18789.
conf_in()	# conf_in STATEDIR: JSON5 (the @STATEDIR@ comment keeps it as is)
{
	printf '// stateDir fixed, not @STATEDIR@\n{ gateway: { port: @PORT@, auth: { mode: "token", token: "%s" }, localPeers: ["127.0.0.1/32"] },\n  clawgate: { stateDir: "%s", runDir: "@RUNDIR@", workers: 1 } }\n' \
	    "$TOKEN" "$1"
}

# ============================================== (a) the key, per install
S1=$TESTDIR/install1
S2=$TESTDIR/install2
mkdir -p "$S1" "$S2"
owned "$S1"
owned "$S2"

start_daemon "$(conf_in "$S1")"
FP1=$(logged_fp)
like "$FP1" '^[0-9a-f]{16}$' "the start-up log shows a 16-hex-digit fingerprint"
isnt "$FP1" "$(unkeyed "$TOKEN")" \
    "it is not the unkeyed SHA-256 prefix anyone could compute"
KEY=$S1/fingerprint.key
ok '[ -f "$KEY" ]' "the first start made $KEY"
is "$(stat -c %s "$KEY")" 32 "it holds 32 bytes"
is "$(stat -c %a "$KEY")" 600 "mode 0600"
is "$(stat -c %u "$KEY")" "$(stat -c %u "/proc/$DAEMON_PID")" \
    "owned by the daemon's user (root in production)"
cp "$KEY" "$TESTDIR/key1.copy"
is "$("$CLAWGATE" -f "$DAEMON_CONF" gateway status --json |
    jq -r .auth.fingerprint)" "$FP1" "gateway status shows the same one"
ok '! grep -q "$TOKEN" "$DAEMON_LOG"' "the log holds no secret"

start_daemon "$(conf_in "$S1")"
is "$(logged_fp)" "$FP1" "a restart of the same install: the same fingerprint"
cmp -s "$KEY" "$TESTDIR/key1.copy"
ok $? "and the same key file (never a new one per boot)"

start_daemon "$(conf_in "$S2")"
FP2=$(logged_fp)
like "$FP2" '^[0-9a-f]{16}$' "a second install has a fingerprint too"
isnt "$FP2" "$FP1" "another install, same secret: another fingerprint"
cmp -s "$S2/fingerprint.key" "$KEY"
ok $((!$?)) "with its own key"
stop_daemon

# A damaged key is a refusal that names the file and the fix.
run_direct()	# run_direct STATEDIR: clawgated on that install; $OUT, $RC
{
	local conf=$TESTDIR/direct.json5 p
	p=$(free_port)
	conf_in "$1" | sed -e "s|@RUNDIR@|$TESTDIR/rundirect|" \
	    -e "s|@PORT@|$p|" >"$conf"
	mkdir -p "$TESTDIR/rundirect"
	owned "$TESTDIR/rundirect"
	chmod 644 "$conf"
	OUT=$("${_daemon_prefix[@]}" timeout 10 "$CLAWGATED" -d -f "$conf" \
	    --port "$p" 2>&1 </dev/null)
	RC=$?
}
head -c 10 "$TESTDIR/key1.copy" >"$KEY"
run_direct "$S1"
is "$RC" 78 "a short key file: the start is refused (exit 78)"
like "$OUT" "$KEY is damaged: it holds 10 bytes, not the 32" \
    "the message names the file and what is wrong"
like "$OUT" "Restore it from a backup.*or delete it" "and the fix"
cp "$TESTDIR/key1.copy" "$KEY"
chmod 644 "$KEY"
run_direct "$S1"
is "$RC" 78 "a group/world-readable key file: refused"
like "$OUT" "$KEY must be a regular file .* mode 0600.*chmod 600 $KEY" \
    "the message says how to fix the mode"
OUT=$("$CLAWGATE" -f "$TESTDIR/direct.json5" doctor 2>&1 </dev/null)
like "$OUT" "CRITICAL +permissions: this install's fingerprint key .*$KEY is mode 0644" \
    "doctor flags the key's mode as critical"
"$CLAWGATE" -f "$TESTDIR/direct.json5" doctor --fix >/dev/null 2>&1 </dev/null
is "$(stat -c %a "$KEY")" 600 "doctor --fix gives the key back mode 0600"
start_daemon "$(conf_in "$S1")"
is "$(logged_fp)" "$FP1" "restored: the same fingerprint again"

# clawgated -n changes nothing on disk: no key before the first start.
S3=$TESTDIR/install3
mkdir -p "$S3"
owned "$S3"
conf_in "$S3" | sed -e "s|@RUNDIR@|$S3|" -e "s|@PORT@|$(free_port)|" \
    >"$TESTDIR/n.json5"
chmod 644 "$TESTDIR/n.json5"
OUT=$("${_daemon_prefix[@]}" "$CLAWGATED" -n -f "$TESTDIR/n.json5" 2>&1)
like "$OUT" "fingerprint - \\(no fingerprint key yet: the first start makes $S3/fingerprint.key\\)" \
    "-n before the first start: no fingerprint yet, and why"
ok '[ ! -e "$S3/fingerprint.key" ]' "-n made no key"

# ============================ (b) a local mismatch carries both, (c) remote
FP1=$(logged_fp)
wsr --connect "$(cparams ".auth={token:\"$WRONG\"}")"
is "$(resq c1 .error.details.code)" AUTH_TOKEN_MISMATCH "wrong token from a local peer"
is "$(resq c1 .error.details.expectedFingerprint)" "$FP1" \
    "details.expectedFingerprint is the one clawgated logged"
PROVIDED=$(resq c1 .error.details.providedFingerprint)
like "$PROVIDED" '^[0-9a-f]{16}$' "details.providedFingerprint: the secret it sent"
is "$PROVIDED" "$(ctl_fp "$WRONG")" \
    "equal to what the control socket's fingerprint request answers"
isnt "$PROVIDED" "$(unkeyed "$WRONG")" "keyed: not the unkeyed SHA-256 prefix"
is "$(ctl_fp "  $WRONG  ")" "$PROVIDED" "trimmed as the comparison trims"
ok '! grep -q "$WRONG" "$DAEMON_LOG"' "the wrong secret is in no log line"
printf '%s' "$WRONG" | "$CLAWGATE" -f "$DAEMON_CONF" token fingerprint - >/dev/null 2>&1
is "$?" 1 "token fingerprint: exit 1 for a secret that is not the gateway's"
OUT=$(printf '%s\n' "$TOKEN" | "$CLAWGATE" -f "$DAEMON_CONF" token fingerprint 2>&1)
is "$?" 0 "token fingerprint: exit 0 for the gateway's own"
is "$OUT" "Fingerprint $FP1: this is the gateway's token." "and says so"

wsr --bind 127.0.0.2 --connect "$(cparams ".auth={token:\"$WRONG\"}")"
is "$(resq c1 .error.details.code)" AUTH_TOKEN_MISMATCH "wrong token from a remote peer"
is "$(resq c1 '.error.details | has("expectedFingerprint") or has("providedFingerprint")')" \
    false "a remote peer gets neither fingerprint"

# ========================================================== (d) doctor
cgdoc()		# cgdoc [ENV=VAL...]: doctor on the daemon's config
{
	OUT=$(env "$@" "$CLAWGATE" -f "$DAEMON_CONF" doctor 2>&1 </dev/null)
	RC=$?
}
cgdoc OPENCLAW_GATEWAY_TOKEN="$WRONG"
is "$RC" 1 "doctor: a wrong token in the shell is a warning"
like "$OUT" "env-token-differs: \\\$OPENCLAW_GATEWAY_TOKEN in your shell \\(fingerprint $PROVIDED\\) differs from the token the running daemon uses \\(fingerprint $FP1" \
    "doctor shows the fingerprints the daemon computed"
ok '! grep -q "$(unkeyed "$WRONG")" <<<"$OUT"' "no locally computed fingerprint"
cgdoc OPENCLAW_GATEWAY_TOKEN="$TOKEN"
ok '! grep -q "env-token-differs" <<<"$OUT"' "the daemon's own token in the shell: no finding"
stop_daemon
cgdoc OPENCLAW_GATEWAY_TOKEN="$WRONG"
like "$OUT" "token-not-compared: cannot compare with the gateway's token without the running daemon" \
    "daemon stopped: doctor says it cannot compare"
like "$OUT" "start it: \`clawgated -f $DAEMON_CONF\`" \
    "and how to start the daemon (on the file doctor was given)"
ok '! grep -q "env-token-differs" <<<"$OUT"' "it guesses nothing"

done_testing
