#!/usr/bin/env bash
# install.sh - installs the Node consumer's npm packages (zeromq, whose
# package carries prebuilt binaries for Linux x64, and @msgpack/msgpack)
# into node_modules here, exactly as package-lock.json pins them. Quiet and
# idempotent (scripts/npm-ci.sh).
# SPDX-License-Identifier: MIT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/../../scripts/npm-ci.sh" "$here"
