#!/usr/bin/env bash
# install.sh - installs the Node consumer's npm packages (zeromq, whose
# package carries prebuilt binaries for Linux x64, and @msgpack/msgpack)
# into node_modules here, exactly as package-lock.json pins them. Quiet and
# idempotent: does nothing when they are already there at the locked
# versions.
# SPDX-License-Identifier: MIT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if ! command -v npm >/dev/null 2>&1; then
    echo "node-consumer/install.sh: npm not found (Debian: nodejs npm)" >&2
    exit 1
fi
# npm writes node_modules/.package-lock.json after an install: when it
# matches the lock file, the tree is as locked.
if [ -f node_modules/.package-lock.json ] &&
    [ node_modules/.package-lock.json -nt package-lock.json ] &&
    [ -f node_modules/zeromq/package.json ] &&
    [ -f node_modules/@msgpack/msgpack/package.json ]; then
    exit 0
fi
echo "node-consumer/install.sh: npm ci in $here" >&2
npm ci --no-audit --no-fund --loglevel=error
