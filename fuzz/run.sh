#!/bin/sh
# fuzz/run.sh: run libFuzzer harnesses for a while each, on the seed
# corpora, and fail if any of them finds a crash, a leak, a sanitizer
# report or a broken property.
#
#   fuzz/run.sh [-t SECONDS] [-o WORKDIR] [-j JOBS] FUZZER...
#
# FUZZER is a built harness (e.g. build/fuzz/fuzz/fuzz_connect); its
# seeds are fuzz/corpus/<name without fuzz_>.  New inputs go to
# WORKDIR/<name>/corpus (kept between runs: merge the interesting ones
# back with -merge=1), crashes to WORKDIR/<name>/crash-*, the log to
# WORKDIR/<name>.log.  Defaults: 20 s each, WORKDIR fuzz-out.
set -u
secs=20
work=fuzz-out
jobs=1
while getopts t:o:j: ch; do
	case $ch in
	t) secs=$OPTARG ;;
	o) work=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) echo "usage: $0 [-t secs] [-o workdir] [-j jobs] fuzzer..." >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
here=$(cd "$(dirname "$0")" && pwd)
fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	name=${name#fuzz_}
	seeds=$here/corpus/$name
	out=$work/$name
	mkdir -p "$out/corpus"
	set -- -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$out/" -timeout=10 -rss_limit_mb=2048
	case $name in
	ipc)		set -- "$@" -max_len=20000 ;;
	connect)	set -- "$@" -max_len=16384 -dict="$here/json.dict" ;;
	authreq)	set -- "$@" -max_len=8192 ;;
	wsframe)	set -- "$@" -max_len=8192 ;;
	*)		set -- "$@" -max_len=8192 -dict="$here/json.dict" ;;
	esac
	[ "$jobs" -gt 1 ] && set -- "$@" -fork="$jobs" -ignore_crashes=0
	printf '%-8s %4ss ... ' "$name" "$secs"
	"$bin" "$@" "$out/corpus" "$seeds" >"$work/$name.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    "$work/$name.log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$work/$name.log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		echo "ok ($execs execs, $cov)"
	else
		echo "FAILED (exit $rc): see $work/$name.log"
		ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* \
		    "$out"/oom-* 2>/dev/null | sed 's/^/    /'
		fail=1
	fi
done
exit $fail
