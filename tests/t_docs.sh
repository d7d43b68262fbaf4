#!/bin/bash
# t_docs.sh: the README and clawgated.conf(5) say what the config reader
# does (issue 10 item 19).  Every key they document is accepted; every
# key the README's "Not yet implemented" list or the man page's retired
# section names is refused; every key of the README's table is in the man
# page.  About 5 s.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

README=$top_srcdir/README.md
MAN5=$top_srcdir/man/clawgated.conf.5
[ -r "$README" ] && [ -r "$MAN5" ] || skip_all "README.md or clawgated.conf.5 not found"

# verdict KEY: "accepted" or "refused", from clawgated -n on a file that
# sets KEY to null: a known key loads or fails only on its type
# ("KEY: expected ..."); an unknown, retired or unsupported one is refused
# with a message that says so.
verdict()
{
	local f=$TESTDIR/k.json5 out rc
	jq -n --arg k "$1" 'setpath($k | split("."); null)' >"$f"
	out=$("$CLAWGATED" -n -f "$f" 2>&1)
	rc=$?
	if [ $rc = 0 ] || [[ $out == *"$1: expected "* ]]; then
		echo accepted
	else
		echo refused
	fi
}

# Keys in the README's configuration table: the first cell of each row,
# "{a,b}" expanded and "`.password`" taken relative to the key before it.
readme_keys()
{
	grep -E '^\| `(gateway|clawgate)\.' "$README" | cut -d'|' -f2 |
	    grep -oE '`[A-Za-z0-9.{},]+`' | tr -d '`' | awk '
	    /^\./ { sub(/\.[^.]*$/, "", last); print last $0; next }
	    { last = $0; print }' | while read -r k; do
		if [[ $k == *"{"* ]]; then
			local pre=${k%%\{*} list=${k#*\{}
			list=${list%\}}
			for s in ${list//,/ }; do echo "$pre$s"; done
		else
			echo "$k"
		fi
	done | sort -u
}

# man_keys FIRST-SECTION LAST-SECTION: keys listed between two .Sh lines.
man_keys()
{
	awk -v a="$1" -v b="$2" '$0 == ".Sh " a { on = 1; next }
	    $0 == ".Sh " b { exit } on' "$MAN5" |
	    grep -E '^\.It Ic (gateway|clawgate)\.' |
	    grep -oE '(gateway|clawgate)\.[A-Za-z0-9.]+' |
	    awk '$0 !~ /\.$/' | sort -u
}

# Backquoted keys in the README's "Not yet implemented" list.
unimplemented_keys()
{
	awk '/^Not yet implemented:/ { on = 1; next } on && /^## / { exit }
	    on { print }' "$README" |
	    grep -oE '`(gateway|clawgate)\.[A-Za-z0-9.]+`' | tr -d '`' | sort -u
}

RK=$(readme_keys)
MK=$(man_keys "GATEWAY KEYS" "RETIRED AND UNSUPPORTED KEYS")
XK=$(man_keys "RETIRED AND UNSUPPORTED KEYS" "SAFETY CHECKS")
UK=$(unimplemented_keys)

for k in $RK; do
	is "$(verdict "$k")" accepted "README table: $k is accepted by the config reader"
done
for k in $MK; do
	is "$(verdict "$k")" accepted "clawgated.conf(5): $k is accepted by the config reader"
done
for k in $XK; do
	isnt "$(verdict "$k")" accepted "clawgated.conf(5) retired or unsupported: $k is refused"
done
for k in $UK; do
	isnt "$(verdict "$k")" accepted "README 'Not yet implemented': $k is refused"
done
missing=$(comm -23 <(echo "$RK") <(echo "$MK"))
is "$missing" "" "every key of the README table is in clawgated.conf(5)"
ok '! grep -qE "not accepted yet|results are not published|is not in .make check" "$README"' \
    "no statement the daemon contradicts (retired README sentences)"
done_testing
