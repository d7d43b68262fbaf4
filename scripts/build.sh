#!/bin/sh
# Configure and build clawgate out of tree in build/<name>.
# usage: scripts/build.sh [name [configure args...]]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
name=${1:-plain}
[ $# -gt 0 ] && shift
cd "$top"
[ -x configure ] || ./bootstrap >/dev/null
mkdir -p "build/$name"
cd "build/$name"
[ -f Makefile ] || "$top/configure" -q "$@"
make -s -j"$(nproc)"
