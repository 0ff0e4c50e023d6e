#!/usr/bin/env bash
# install.sh - installs the GraphQL validator's npm packages (graphql and
# GitHub's published schema, @octokit/graphql-schema) into node_modules
# here, exactly as package-lock.json pins them. Quiet and idempotent: does
# nothing when they are already there at the locked versions.
# SPDX-License-Identifier: MIT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/../../../scripts/npm-ci.sh" "$here"
