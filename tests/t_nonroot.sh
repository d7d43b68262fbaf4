#!/bin/bash
# t_nonroot.sh: clawgated started as one non-root uid (a pod with
# runAsNonRoot, a user's own instance): it starts, serves, keeps what can
# be kept (a seccomp filter in every child, separate processes) and says
# in the log what one uid costs (issue 10, containers).  About 3 s.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

if [ "$(id -u)" = 0 ] && [ ${#_daemon_prefix[@]} -eq 0 ]; then
	skip_all "the suite runs the daemon as root (CLAWGATE_TEST_ROOT=1)"
fi

TOKEN=nonroot-token-0123456789abc
start_daemon "$(jq -n --arg t "$TOKEN" '{gateway: {auth: {mode: "token",
    token: $t}}, clawgate: {workers: 2}}')"
UID_D=$(awk '/^Uid:/ { print $2 }' "/proc/$DAEMON_PID/status")
isnt "$UID_D" 0 "the master runs as a non-root uid ($UID_D)"
like "$(cat "$DAEMON_LOG")" "running as one uid \\($UID_D, not root\\): authd and the workers share it" \
    "the log says what one uid costs"
like "$(cat "$DAEMON_LOG")" "Still in force: seccomp filters in authd and every worker" \
    "… and what still holds"

KIDS=$(pgrep -P "$DAEMON_PID")
is "$(wc -w <<<"$KIDS")" 3 "three children: authd and two workers, separate processes"
SECC=$(for k in $KIDS; do awk '/^Seccomp:/ { print $2 }' "/proc/$k/status"; done |
    sort -u | tr '\n' ' ')
is "$SECC" "2 " "every child runs under a seccomp filter (Seccomp: 2)"
UIDS=$(for k in $KIDS; do awk '/^Uid:/ { print $2 }' "/proc/$k/status"; done |
    sort -u | tr '\n' ' ')
is "$UIDS" "$UID_D " "all share the one uid"

wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}')"
is "$(resq c1 .payload.type)" hello-ok "a handshake works"
stop_daemon
done_testing
