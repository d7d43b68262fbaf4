#!/bin/bash
# t_pairing_crash.sh: the pairing store survives authd being killed at any
# moment.  Pairing requests are created and approved in a tight loop while
# authd is SIGKILLed at random points; after every kill the master brings
# authd back, and the store must load (a damaged store would make authd
# exit 78 and the master stop) and still hold every approval whose answer
# reached the client: authd saves before it acknowledges.
#
# The master fails closed after 4 authd deaths in a minute, so each daemon
# lifetime takes KILLS (3) kills; the next lifetime reuses the same state
# directory.  Requests come from loopback with an Origin header, which
# rules out silent pairing (§7.2) without needing a second address.
[ "$(id -u)" = 0 ] && export CLAWGATE_TEST_ROOT=1
. "$top_srcdir/tests/lib.sh"

ROUNDS=${CRASH_ROUNDS:-3}
KILLS=3
plan $((ROUNDS * (1 + 2 * KILLS) + 2))

T=crash-token-0123456789abcdefghijklmn
STATE=$TESTDIR/state-kept
mkdir -p "$STATE" && chmod 700 "$STATE" || bail_out "cannot create $STATE"
[ ${#_daemon_prefix[@]} -gt 0 ] && chown "$CLAWGATE_TEST_USER:" "$STATE"
# start_daemon substitutes @RUNDIR@ only when it sees @STATEDIR@; the
# state directory itself must stay the same across restarts.
TEXT='// @STATEDIR@ is not used: the store is kept in '"$STATE"'
{ gateway: { auth: { mode: "token", token: "'$T'" } },
  clawgate: { workers: 1, stateDir: "'$STATE'", runDir: "@RUNDIR@" } }'
ACKED=$TESTDIR/acked	# device ids whose approval was acknowledged
: >"$ACKED"

seed()
{
	od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
}

# A pending request from a fresh device: its request id, or nothing.
request()
{
	ws --timeout 3000 -H "Origin: http://127.0.0.1:$PORT" \
	    --connect "$(cparams ".auth={token:\"$T\"}" '.device="SIGN"')" \
	    --device-seed "$(seed)" 2>/dev/null |
	    jq -r 'select(.ev=="recv" and .json.id=="c1")
		| .json.error.details.requestId // empty' 2>/dev/null
}

# Approve as the local CLI does; on success record the device id.
approve()
{
	local out
	out=$(ws --timeout 3000 --connect "$(cparams ".auth={token:\"$T\"}" \
	    '.scopes=["operator.pairing","operator.read","operator.write"]')" \
	    --then "device.pair.approve {\"requestId\":\"$1\"}" 2>/dev/null |
	    jq -r 'select(.ev=="recv" and .json.id=="r1" and .json.ok==true)
		| .json.payload.device.deviceId' 2>/dev/null)
	[ -n "$out" ] && echo "$out" >>"$ACKED"
}

# Every acknowledged device is in device.pair.list.
all_present()
{
	local listed missing
	listed=$(ws --timeout 5000 --connect "$(cparams ".auth={token:\"$T\"}" \
	    '.scopes=["operator.pairing"]')" --then 'device.pair.list {}' \
	    2>/dev/null | jq -r 'select(.ev=="recv" and .json.id=="r1")
		| .json.payload.paired[].deviceId' 2>/dev/null | sort)
	[ -n "$listed" ] || { [ ! -s "$ACKED" ] && return 0; return 1; }
	missing=$(sort -u "$ACKED" | comm -23 - <(echo "$listed"))
	[ -z "$missing" ] || { diag "lost: $missing"; return 1; }
}

authd_back()	# a new authd, and it answers
{
	local a
	a=$(children_named clawgate-authd)
	[ -n "$a" ] && [ "$a" != "$1" ] && all_present
}

for ((round = 1; round <= ROUNDS; round++)); do
	start_daemon "$TEXT"
	ok all_present "round $round: the store loads with every approval"
	for ((k = 1; k <= KILLS; k++)); do
		victim=$(children_named clawgate-authd)
		# The killer strikes 0.3-1.8 s in, while approvals run.
		( sleep "$((RANDOM % 2)).$((RANDOM % 10))$((RANDOM % 10))"
		  sleep 0.3
		  kill -KILL "$victim" 2>/dev/null ) &
		killer=$!
		n=0
		while kill -0 "$killer" 2>/dev/null && [ $n -lt 200 ]; do
			rid=$(request)
			[ -n "$rid" ] && approve "$rid"
			n=$((n + 1))
		done
		wait "$killer"
		ok 'wait_for 100 authd_back "$victim"' \
		    "round $round, kill $k: authd is back with every approval"
		ok 'kill -0 "$DAEMON_PID"' \
		    "round $round, kill $k: the master kept running (store loaded)"
	done
	stop_daemon
done

total=$(sort -u "$ACKED" | grep -c .)
diag "$total approvals acknowledged across $((ROUNDS * KILLS)) kills"
ok '[ "$total" -gt 0 ]' "approvals were acknowledged between the kills"
start_daemon "$TEXT"
ok all_present "after the last restart nothing acknowledged is missing"
stop_daemon
