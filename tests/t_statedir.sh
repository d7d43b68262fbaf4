#!/bin/bash
# t_statedir.sh: the state directory as the operator sees it.
#
# A child's reason for dying at start-up reaches the log every time
# (issue 10 item 21): authd refuses a damaged pairing store with exit 78,
# and the line that names the file travels to the master over IPC; the
# master used to reap the child and close its channel before reading it
# about one start in five.  It lost the line whenever it learnt of the
# exit and of the line in the same loop iteration; strace (when there is
# one) holds the master for 100 ms after it forks authd, which makes that
# the rule instead of bad luck.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

LOOPS=20
FORCED=5
plan $((LOOPS + FORCED + 3))

T=statedir-token-0123456789abcdefghijk
CONF='{"gateway":{"auth":{"mode":"token","token":"'$T'"}},"clawgate":{"workers":1}}'

# launch [args]: clawgated on $DAEMON_CONF and a free port, waited for;
# its output in $OUT, its status in $RC.  $SLOW goes in front (strace).
launch()
{
	# shellcheck disable=SC2086 # $SLOW is a command line or nothing
	OUT=$(HOME=$DAEMON_DIR $SLOW "${_daemon_prefix[@]}" "$CLAWGATED" \
	    -f "$DAEMON_CONF" --port "$(free_port)" "$@" 2>&1 </dev/null)
	RC=$?
}

# names_store DESC: exit 78 and the reason on stderr.
names_store()
{
	if [ "$RC" = 78 ] && grep -qF -- "pairing store unusable: $STORE" \
	    <<<"$OUT"; then
		ok 0 "$1"
	else
		ok 1 "$1"
		diag "exit $RC; output:"
		diag "$OUT"
	fi
}

# --- a damaged store: the reason is in the log on every start -------------
start_daemon "$CONF"
STORE=$DAEMON_DIR/state/authd/pairing.json
stop_daemon
printf '{"version":1,"devices":[{"deviceId":' >"$STORE"
before=$(sha256sum <"$STORE")

t0=$(now_ms)
for ((i = 1; i <= LOOPS; i++)); do
	SLOW= launch -d
	names_store "truncated store, start $i: exit 78, stderr names $STORE"
done
diag "$LOOPS foreground starts took $(( $(now_ms) - t0 )) ms"

# The master busy when authd dies: its exit and its last line arrive
# together (clone returns 100 ms late; authd is not traced).
SLOW="strace -o /dev/null -e trace=clone,clone3,fork,vfork
    -e inject=clone,clone3,fork,vfork:delay_exit=100000"
if ! command -v strace >/dev/null 2>&1 || ! $SLOW true 2>/dev/null; then
	skip $FORCED "strace cannot trace here"
else
	for ((i = 1; i <= FORCED; i++)); do
		launch -d
		names_store "truncated store, master slowed, start $i: exit 78, stderr names $STORE"
	done
fi
SLOW=

# In the background the reason goes to the log file instead.
LOGFILE=$DAEMON_DIR/state/clawgated.log
at=0
[ -f "$LOGFILE" ] && at=$(wc -l <"$LOGFILE")
launch
isnt "$RC" 0 "truncated store, in the background: clawgated fails"
tail -n +$((at + 1)) "$LOGFILE" | grep -qF -- "pairing store unusable: $STORE"
ok $? "truncated store, in the background: $LOGFILE names $STORE"
is "$(sha256sum <"$STORE")" "$before" "the damaged store is left as it was"
