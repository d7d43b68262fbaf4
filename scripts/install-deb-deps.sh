#!/bin/sh
# Install what building the Debian package needs (debian/, README
# "Install the package"): the packaging tools and the Build-Depends of
# debian/control.  Idempotent; run as root on Debian 12.
# tests/t_deb.sh runs it when the tools are missing.
set -eu

PKGS="dpkg-dev debhelper fakeroot lintian
pkg-config libev-dev libjansson-dev libseccomp-dev libsodium-dev
libwebsockets-dev libwebsockets-evlib-ev check"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deb-deps: run as root (apt-get needs it)" >&2
	exit 1
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deb-deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
echo "install-deb-deps: the package build dependencies are present"
