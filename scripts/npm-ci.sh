#!/usr/bin/env bash
# scripts/npm-ci.sh - installs the npm packages of a test directory
# SPDX-License-Identifier: MIT
#
# Usage: scripts/npm-ci.sh DIR
#
# Installs the packages of DIR/package.json into DIR/node_modules, exactly
# as DIR/package-lock.json pins them (`npm ci`). Quiet and idempotent: does
# nothing when they are already there at the locked versions, that is when
# npm's record of the last install (node_modules/.package-lock.json) is newer
# than the lock file and every dependency is present. scripts/deps.sh check
# runs it for tests/standin/graphql and tests/deploy.
set -euo pipefail
if [ $# -ne 1 ] || [ ! -f "$1/package-lock.json" ]; then
    echo "usage: $0 DIR (a directory with package.json and package-lock.json)" >&2
    exit 2
fi
cd "$1"
name=$(basename "$PWD")
if ! command -v npm >/dev/null 2>&1; then
    echo "$name: npm not found (Debian: nodejs npm)" >&2
    exit 1
fi
if [ -f node_modules/.package-lock.json ] &&
    [ node_modules/.package-lock.json -nt package-lock.json ] &&
    node -e '
        const fs = require("fs");
        const deps = require("./package.json").dependencies || {};
        for (const d of Object.keys(deps))
            if (!fs.existsSync(`node_modules/${d}/package.json`))
                process.exit(1);'; then
    exit 0
fi
echo "$name: npm ci in $PWD" >&2
npm ci --no-audit --no-fund --loglevel=error
