#!/bin/bash
# t_cli_config.sh: clawgate(1) talks only to the daemon of the config it
# was given.  A file named with -f or $CLAWGATE_CONFIG that cannot be read
# or parsed stops the command (file:line:col and the fix) before any
# daemon is asked: the default run directory may be another instance's.
# A daemon that answers on the socket but runs another config file is
# refused.  The commands suggested carry the -f FILE the user gave.
#
# "Another instance" is a daemon on the CLI's default run directory: the
# CLI runs unprivileged (as the daemon's user when the suite is root)
# with $XDG_RUNTIME_DIR pointing at that daemon's run directory's parent,
# so the host's own /run/clawgate is never involved.
. "$top_srcdir/tests/lib.sh"

CLAWGATE=${CLAWGATE:-$top_builddir/clawgate}
[ -x "$CLAWGATE" ] || skip_all "$CLAWGATE is not built"

unset OPENCLAW_GATEWAY_TOKEN CLAWGATE_GATEWAY_TOKEN CLAWGATE_CONFIG \
    OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR XDG_CONFIG_HOME XDG_STATE_HOME

XDG=$TESTDIR/xdg			# the CLI's $XDG_RUNTIME_DIR
OTHER_RUN=$XDG/clawgate			# its default run directory
U=$TESTDIR/user				# the CLI's $HOME and the user's files
mkdir -p "$OTHER_RUN" "$U" || bail_out "cannot create $XDG"
chmod 755 "$XDG" "$U"
chmod 700 "$OTHER_RUN"
[ ${#_daemon_prefix[@]} -gt 0 ] && chown "$CLAWGATE_TEST_USER:" "$OTHER_RUN"

# The other instance: its own config, on the CLI's default run directory.
start_daemon "{
  gateway: { port: @PORT@, auth: { mode: 'token' } },
  clawgate: { stateDir: '@STATEDIR@', runDir: '$OTHER_RUN', workers: 1 },
}"
OTHER_CONF=$DAEMON_CONF
OTHER_TOKEN=$(head -n 1 "$DAEMON_DIR/state/gateway.token")
chmod 644 "$OTHER_CONF"
[ -S "$OTHER_RUN/clawgated.sock" ] || bail_out "no control socket in $OTHER_RUN"

# cgu ARGS...: the CLI as the daemon's user, with that default run dir;
# stdout+stderr in $OUT, status in $RC.
cgu()
{
	OUT=$(env HOME="$U" XDG_RUNTIME_DIR="$XDG" ${CGU_ENV:+"$CGU_ENV"} \
	    "${_daemon_prefix[@]}" "$CLAWGATE" "$@" 2>&1 </dev/null)
	RC=$?
}
reloads()	# how many reloads the other daemon logged
{
	grep -c 'reloaded (generation' "$DAEMON_LOG"
}

# The control: the other instance's own config reaches it.
cgu -f "$OTHER_CONF" gateway status --json
is "$RC" 0 "status on the daemon's own config: exit 0"
is "$(jq -r .pid <<<"$OUT")" "$DAEMON_PID" "it reaches that daemon"
cgu -f "$OTHER_CONF" gateway reload
like "$OUT" "^Reloaded \\(generation 2\\)" "reload on its own config reloads it"
R0=$(reloads)
is "$R0" 1 "its log has the reload line"

# ---------------------------------------------------- a broken -f file
BROKEN=$U/mine.json5
printf '// mine\n{\n  gateway: { port: %s }\n  clawgate: { workers: 1 },\n}\n' \
    "$(free_port)" >"$BROKEN"
chmod 644 "$BROKEN"

for cmd in "gateway status" "gateway reload" "dashboard --show-token"; do
	# shellcheck disable=SC2086 # the command's words
	cgu -f "$BROKEN" $cmd
	is "$RC" 1 "broken -f file: $cmd exits 1"
	like "$OUT" "$BROKEN:4:3: expected" "broken -f file: $cmd names file:line:col"
	like "$OUT" "not asking any daemon" "broken -f file: $cmd says no daemon was asked"
	like "$OUT" "\`clawgate -f $BROKEN config validate\`" \
	    "broken -f file: $cmd suggests the check with -f FILE"
done
ok '! grep -qF "$OTHER_TOKEN" <<<"$OUT"' "no token was printed"
is "$(reloads)" "$R0" "the other daemon was not reloaded"

cgu -f "$BROKEN" doctor
is "$RC" 2 "broken -f file: doctor exits 2"
like "$OUT" "config-invalid: the config file does not load: $BROKEN:4:3" \
    "doctor reports the parse error as a finding"
like "$OUT" "daemon not asked" "doctor says it asked no daemon"
ok '! grep -q "pid $DAEMON_PID\\|pidfile-locked\\|stale-\\|$OTHER_RUN/" <<<"$OUT"' \
    "doctor reports nothing of the other instance (its pid, files or socket)"
like "$OUT" "\`clawgate -f $BROKEN config validate\` checks again" \
    "doctor's fixes carry -f FILE"
ok '! grep -q "\`clawgate config" <<<"$OUT"' "no suggested command without it"

CGU_ENV=CLAWGATE_CONFIG=$BROKEN cgu gateway reload
is "$RC" 1 "broken \$CLAWGATE_CONFIG: reload exits 1"
like "$OUT" "$BROKEN:4:3: " "and names file:line:col"
is "$(reloads)" "$R0" "the other daemon was still not reloaded"

cgu -f "$U/missing.json5" gateway status
is "$RC" 1 "a missing -f file: exit 1"
like "$OUT" "cannot open $U/missing.json5" "and says so"
like "$OUT" "not asking any daemon" "without asking a daemon"

# ---------------------------- a valid file whose daemon is another one
MINE=$U/ok.json5
printf '{ gateway: { port: %s }, clawgate: { stateDir: "%s/state" } }\n' \
    "$(free_port)" "$U" >"$MINE"
chmod 644 "$MINE"
for cmd in "gateway status" "gateway reload" "dashboard --show-token"; do
	# shellcheck disable=SC2086
	cgu -f "$MINE" $cmd
	is "$RC" 1 "another daemon on the socket: $cmd exits 1"
	like "$OUT" "the daemon on $OTHER_RUN/clawgated.sock runs $OTHER_CONF, not $MINE: give $MINE its own clawgate.runDir" \
	    "another daemon: $cmd names both files and the fix"
done
ok '! grep -qF "$OTHER_TOKEN" <<<"$OUT"' "no token was printed"
is "$(reloads)" "$R0" "the other daemon was not reloaded"
cgu -f "$MINE" doctor
is "$RC" 2 "another daemon on the socket: doctor exits 2"
like "$OUT" "other-daemon: the daemon on $OTHER_RUN/clawgated.sock runs $OTHER_CONF" \
    "doctor names the other daemon's config"
like "$OUT" "\`clawgate -f $MINE config set clawgate.runDir" \
    "with the fix, -f FILE included"

# --socket names the daemon; without -f there is no file to differ from.
cgu --socket "$OTHER_RUN/clawgated.sock" gateway status --json
is "$(jq -r .pid <<<"$OUT")" "$DAEMON_PID" "--socket alone still reaches a daemon"
cgu --socket "$OTHER_RUN/clawgated.sock" -f "$MINE" gateway reload
is "$RC" 1 "--socket with another -f file: refused too"
is "$(reloads)" "$R0" "and nothing was reloaded"

done_testing
