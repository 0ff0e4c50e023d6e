#!/usr/bin/env bash
# npm-ci.sh DIR FILE... - installs the npm packages of DIR into
# DIR/node_modules exactly as its package-lock.json pins them (npm ci).
# Quiet and idempotent: does nothing when they are already there at the
# locked versions and every FILE (relative to DIR) exists.
# SPDX-License-Identifier: MIT
set -euo pipefail
dir=$(cd "$1" && pwd)
shift
name=$(basename "$dir")
cd "$dir"
if ! command -v npm >/dev/null 2>&1; then
    echo "$name/install.sh: npm not found (Debian: nodejs npm)" >&2
    exit 1
fi
# npm writes node_modules/.package-lock.json after an install: when it
# matches the lock file, the tree is as locked.
installed=1
[ -f node_modules/.package-lock.json ] &&
    [ node_modules/.package-lock.json -nt package-lock.json ] || installed=0
for f in "$@"; do
    [ -f "$f" ] || installed=0
done
[ "$installed" -eq 1 ] && exit 0
echo "$name/install.sh: npm ci in $dir" >&2
npm ci --no-audit --no-fund --loglevel=error
