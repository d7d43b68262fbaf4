#!/bin/bash
# t_logfields.sh: client-chosen text cannot forge fields in the [ws] log
# lines (issue 10 item 11): User-Agent, Host, Origin and the connect
# params' client fields are escaped (\xHH for space, =, ", \ and bytes
# outside printable ASCII).  About 3 s.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"


TOKEN=logfields-token-0123456789
start_daemon "$(jq -n --arg t "$TOKEN" '{gateway: {auth: {mode: "token",
    token: $t}}}')"

wsr -H 'User-Agent: curl/8 reason=token_missing principal=shared' \
    --connect "$(cparams '.auth={token:"wrong"}' \
    '.client.displayName="evil principal=shared auth=token"' \
    '.client.platform="linux auth=none"')"
is "$(resq c1 .error.details.code)" AUTH_TOKEN_MISMATCH "the wrong token is refused"
wait_lines "$DAEMON_LOG" 'unauthorized' 1 50
LINE=$(grep -F 'unauthorized' "$DAEMON_LOG" | tail -n 1)
diag "$LINE"
like "$LINE" 'ua=curl/8\\x20reason\\x3dtoken_missing\\x20principal\\x3dshared' \
    "User-Agent: spaces and = escaped"
like "$LINE" 'client=evil\\x20principal\\x3dshared\\x20auth\\x3dtoken ' \
    "displayName escaped"
is "$(grep -o ' reason=[a-z_]*' <<<"$LINE")" " reason=token_mismatch" \
    "exactly one reason= field, the real one"
is "$(grep -o ' principal=' <<<"$LINE" | wc -l)" 0 \
    "no principal= field forged into a refusal"

wsr -H 'User-Agent: a"b\c' --connect "$(cparams '.auth={token:"'$TOKEN'"}' \
    '.client.displayName="ok name"')"
is "$(resq c1 .payload.type)" hello-ok "the right token gets in"
wait_lines "$DAEMON_LOG" 'connected .*client=ok' 1 50
like "$(grep -F 'connected' "$DAEMON_LOG" | tail -n 1)" \
    'client=ok\\x20name cli v0\.0\.1-test .* principal=shared' \
    "the success line: one principal= field, the name escaped"

stop_daemon
done_testing
