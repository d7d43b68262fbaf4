#!/bin/bash
# t_config.sh: the configuration and the one secret, as an operator meets
# them: `clawgated -n', errors with file:line:col and the fix, the
# generated token persisted before binding, conflicting sources refused.
. "$top_srcdir/tests/lib.sh"

D=$TESTDIR/cfg
mkdir -p "$D"
chmod 755 "$TESTDIR" "$D"

check()	# check FILE: run clawgated -n on it; sets OUT and RC
{
	OUT=$("${_daemon_prefix[@]}" env -u OPENCLAW_GATEWAY_TOKEN \
	    -u CLAWGATE_GATEWAY_TOKEN "$CLAWGATED" -n -f "$1" 2>&1)
	RC=$?
}

write()	# write NAME TEXT
{
	printf '%s\n' "$2" >"$D/$1"
	chmod 644 "$D/$1"
}

ST="clawgate: { stateDir: '$D/state', runDir: '$D/run' }"

write ok.json5 "// a comment
{
  gateway: {
    port: 18789, bind: 'loopback',
    auth: { mode: 'token', token: 'cfg-token-0123456789abcdefghij', },
  },
  $ST,
}"
check "$D/ok.json5"
is "$RC" 0 "-n: a valid JSON5 file is accepted"
like "$OUT" "configuration OK" "-n: says configuration OK"
like "$OUT" "fingerprint - \\(no fingerprint key yet: the first start makes $D/state/fingerprint.key\\)" \
    "-n before the first start: no fingerprint yet (no key), and why"
ok '[ ! -e "$D/state" ]' "-n: nothing was made on disk"
# The install's key, as the first start makes it (fingerprint.h).
mkdir -p "$D/state"
head -c 32 /dev/urandom >"$D/state/fingerprint.key"
chmod 600 "$D/state/fingerprint.key"
[ -n "${CLAWGATE_TEST_USER:-}" ] && chown -R "$CLAWGATE_TEST_USER:" "$D/state"
check "$D/ok.json5"
like "$OUT" "fingerprint [0-9a-f]{16}" "-n: shows the secret's fingerprint"
ok '! grep -q cfg-token-0123456789abcdefghij <<<"$OUT"' "-n: never prints the secret"

# struggle #14 (issue 10 item 18): "*" on a network bind needs saying twice
write anyorigin.json5 "{
  gateway: { bind: 'lan', controlUi: { allowedOrigins: ['*'] },
    auth: { mode: 'token', token: 'cfg-token-0123456789abcdefghij' } },
  $ST,
}"
check "$D/anyorigin.json5"
is "$RC" 78 "allowedOrigins \"*\" on a lan bind: refused (exit 78)"
like "$OUT" "dangerouslyAllowAnyOriginOnNetwork" \
    "allowedOrigins \"*\" on a lan bind: the message names the key that says it on purpose"
write anyorigin-ok.json5 "{
  gateway: { bind: 'lan', controlUi: { allowedOrigins: ['*'],
    dangerouslyAllowAnyOriginOnNetwork: true },
    auth: { mode: 'token', token: 'cfg-token-0123456789abcdefghij' } },
  $ST,
}"
check "$D/anyorigin-ok.json5"
is "$RC" 0 "allowedOrigins \"*\" on a lan bind with the acknowledgement: accepted"
write anyorigin-lo.json5 "{
  gateway: { controlUi: { allowedOrigins: ['*'] },
    auth: { mode: 'token', token: 'cfg-token-0123456789abcdefghij' } },
  $ST,
}"
check "$D/anyorigin-lo.json5"
is "$RC" 0 "allowedOrigins \"*\" on loopback: accepted (with a warning)"

write unknown.json5 "{
  gateway: {
    port: 18789,
    prot: 1,
  },
}"
check "$D/unknown.json5"
is "$RC" 78 "unknown key: exit 78 (EX_CONFIG)"
like "$OUT" "unknown.json5:4:5: " "unknown key: file:line:col of the key"
like "$OUT" "gateway\\.prot" "unknown key: names the key"

write retired.json5 "{ gateway: { controlUi: { allowInsecureAuth: true } } }"
check "$D/retired.json5"
is "$RC" 78 "retired allowInsecureAuth: exit 78"
like "$OUT" "allowInsecureAuth" "retired key: named"
like "$OUT" "devices approve" "retired key: the error says what replaces it"

write remote.json5 "{ gateway: { remote: { token: 'x-0123456789abcdefghijklmnop' } } }"
check "$D/remote.json5"
is "$RC" 78 "gateway.remote.token on the server: exit 78"
like "$OUT" "gateway\\.auth\\.token" "remote token: points to gateway.auth.token"

write syntax.json5 "{ gateway: { port: 18789 "
check "$D/syntax.json5"
is "$RC" 78 "truncated JSON5: exit 78"
like "$OUT" "syntax.json5:2:1: expected .,. or .\}. after object member" "truncated JSON5: file:line:col and what was expected"

write nonelan.json5 "{ gateway: { bind: 'lan', auth: { mode: 'none' } }, $ST }"
check "$D/nonelan.json5"
is "$RC" 78 "auth none on a LAN bind: refused"

# --- two sources for one secret ---------------------------------------------
OUT=$("${_daemon_prefix[@]}" env OPENCLAW_GATEWAY_TOKEN=env-token-0123456789abcdefghij \
    "$CLAWGATED" -n -f "$D/ok.json5" 2>&1)
RC=$?
is "$RC" 78 "config token and a different env token: refused"
like "$OUT" "OPENCLAW_GATEWAY_TOKEN" "conflict: names the env var"
like "$OUT" "fingerprint [0-9a-f]{16}\\) and .*fingerprint [0-9a-f]{16}" \
    "conflict: shows both fingerprints"
ok '! grep -q -e env-token-0123 -e cfg-token-0123 <<<"$OUT"' \
    "conflict: neither secret is printed"
OUT=$("${_daemon_prefix[@]}" env OPENCLAW_GATEWAY_TOKEN=cfg-token-0123456789abcdefghij \
    "$CLAWGATED" -n -f "$D/ok.json5" 2>&1)
is "$?" 0 "config and env agreeing is fine"

# --- first start with no secret: generated, persisted 0600, reused ------------
start_daemon '{"gateway":{"auth":{"mode":"token"}}}' --show-token
TOKFILE=$DAEMON_DIR/state/gateway.token
ok '[ -f "$TOKFILE" ]' "first start: the generated token is persisted"
is "$(stat -c %a "$TOKFILE")" 600 "first start: token file mode 0600"
TOK=$(tr -d '\n' <"$TOKFILE")
like "$TOK" '^[A-Za-z0-9_-]{43}$' "first start: 32 random bytes, base64url"
like "$(cat "$DAEMON_LOG")" "#token=$TOK" \
    "--show-token: the tokenized dashboard URL is printed (stdout)"
ok '! grep -v "#token=" "$DAEMON_LOG" | grep -qF "$TOK"' \
    "the token appears nowhere else in the output"
wsr --connect "$(cparams ".auth={token:\"$TOK\"}")"
is "$(q 'select(.ev=="recv" and .json.id=="c1") | .json.ok')" true \
    "the generated token authenticates"
stop_daemon
"${_daemon_prefix[@]}" "$CLAWGATED" -n -f "$DAEMON_CONF" >/dev/null 2>&1
is "$(tr -d '\n' <"$TOKFILE")" "$TOK" "a restart keeps the same token"

done_testing
