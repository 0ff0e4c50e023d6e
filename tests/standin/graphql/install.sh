#!/usr/bin/env bash
# install.sh - installs the GraphQL validator's npm packages (graphql and
# GitHub's published schema, @octokit/graphql-schema) into node_modules
# here, exactly as package-lock.json pins them. Quiet and idempotent
# (scripts/npm-ci.sh).
# SPDX-License-Identifier: MIT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/../../../scripts/npm-ci.sh" "$here" \
    node_modules/@octokit/graphql-schema/schema.graphql \
    node_modules/graphql/package.json
