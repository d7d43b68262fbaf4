#!/bin/sh
# Quick start: install, build and run clawgated on the safe embedded
# default (loopback only, a generated token persisted in the state
# directory), then print the tokenized dashboard URL.  Run as root on
# Debian 12.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh" plain
bin="$top/build/plain"

# The unprivileged users authd and the workers run as, and their chroot.
"$top/scripts/install-users.sh"

if [ -s /run/clawgate/clawgated.pid ] &&
    kill -0 "$(head -n 1 /run/clawgate/clawgated.pid)" 2>/dev/null; then
	echo "clawgated is already running (pid $(head -n 1 /run/clawgate/clawgated.pid))."
	echo "Dashboard token: /var/lib/clawgate/gateway.token (or run: $bin/clawgated -n)"
	exit 0
fi
"$bin/clawgated" --show-token
