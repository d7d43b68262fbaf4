#!/bin/sh
# Install everything clawgate needs to build, run and test, from Debian's
# packages (Debian 12).  Idempotent; run as root.
# With arguments, installs exactly those packages instead (install-deb-deps.sh).
set -eu

who=install-deps
what="all build and test dependencies"
PKGS="build-essential autoconf automake pkg-config
libev-dev libwebsockets-dev libwebsockets-evlib-ev libsodium-dev
libseccomp-dev libjansson-dev check
jq curl ca-certificates tmux valgrind procps iproute2 man-db
systemd strace clang-14 libclang-rt-14-dev"

if [ $# -gt 0 ]; then
	PKGS="$*"
	who=${CG_DEPS_NAME:-install-deps}
	what="the packages asked for"
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "$who: run as root (apt-get needs it)" >&2
	exit 1
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
# npm fetches the reference client for the interop tests.
[ $# -gt 0 ] || command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
	echo "$who: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
echo "$who: $what are present"
