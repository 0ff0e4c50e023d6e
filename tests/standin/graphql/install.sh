#!/usr/bin/env bash
# install.sh - installs the GraphQL validator's npm packages (graphql and
# GitHub's published schema, @octokit/graphql-schema) into node_modules
# here, exactly as package-lock.json pins them. Quiet and idempotent: does
# nothing when they are already there at the locked versions.
# SPDX-License-Identifier: MIT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if ! command -v npm >/dev/null 2>&1; then
    echo "graphql/install.sh: npm not found (Debian: nodejs npm)" >&2
    exit 1
fi
# npm writes node_modules/.package-lock.json after an install: when it
# matches the lock file, the tree is as locked.
if [ -f node_modules/.package-lock.json ] &&
    [ node_modules/.package-lock.json -nt package-lock.json ] &&
    [ -f node_modules/@octokit/graphql-schema/schema.graphql ] &&
    [ -f node_modules/graphql/package.json ]; then
    exit 0
fi
echo "graphql/install.sh: npm ci in $here" >&2
npm ci --no-audit --no-fund --loglevel=error
