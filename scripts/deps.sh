#!/usr/bin/env bash
# scripts/deps.sh - install the Debian 12 packages a task needs, if missing
# SPDX-License-Identifier: MIT
#
# Usage: scripts/deps.sh [PROFILE]   (default: check)
#
#   demo      what `make build` and `make demo` need: the compiler, CMake,
#             pkg-config, every -dev library the build links (tests and
#             benchmarks are part of the build), redis-server, redis-tools
#             (redis-cli, with which the tests make a Redis Cluster), tzdata
#             and ca-certificates. No clang, no browser.
#   check     demo's packages plus what `make check` and `make fuzz` use:
#             clang and its sanitizer/libFuzzer runtimes, chromium, a
#             CJK font and a colour emoji font (tests/browser), the command-line tools the tests
#             run (curl, openssl, pgrep from procps), and nodejs and npm,
#             with which the GitHub stand-in validates GraphQL queries
#             against GitHub's published schema: the npm packages are then
#             installed into tests/standin/graphql/node_modules, as its
#             package-lock.json pins them (tests/standin/graphql/install.sh).
#             kubernetes-client (kubectl 1.20, whose `kubectl kustomize`
#             builds deploy/k8s) and the npm packages with the Kubernetes
#             API schemas that tests/deploy checks its objects against
#             (scripts/npm-ci.sh tests/deploy).
#   valgrind  demo's packages plus valgrind (make valgrind).
#   fresh     what `make fresh` and `make e2e-docker` need on the host:
#             git, docker.io, mmdebstrap and docker-compose. A machine
#             that already has docker and dockerd
#             (from another packaging of Docker) keeps them.
#
# Checks each package with dpkg-query and installs only the missing ones with
# apt-get: directly as root, through `sudo -n` when that works without a
# password, and otherwise prints the one command to run and exits 1.
# Quiet and idempotent when everything is already installed.
#
# redis-server is installed without starting its system service: the tests
# and `devpulse report` start their own servers on private sockets.
set -euo pipefail

DEMO=(
    build-essential cmake pkg-config
    libzmq3-dev libcurl4-openssl-dev libmsgpack-dev libhiredis-dev
    libjansson-dev libpcre2-dev libcmark-dev libyaml-dev libssl-dev
    libcmocka-dev libmicrohttpd-dev zlib1g-dev
    redis-server redis-tools tzdata ca-certificates
    # dp-publisher commits reports with git (and its tests use local bare
    # repositories)
    git
)
CHECK=(
    "${DEMO[@]}"
    clang
    # clang's sanitizer and libFuzzer runtimes (make fuzz, make check): only
    # a Recommends of clang-14, which --no-install-recommends leaves out
    libclang-rt-dev
    # tests/browser renders the HTML reports in Debian's headless chromium,
    # with a CJK font and a colour emoji font (the headings' emoji)
    chromium fonts-wqy-microhei fonts-noto-color-emoji
    # tools the test scripts run: curl (stand-in checks), openssl (TLS test
    # certificates), pgrep (fault suite), jq (counts straight from the raw
    # data), docker-compose (the compose file is validated)
    curl openssl procps jq docker-compose
    # the stand-in's GraphQL validator (tests/standin/graphql), and the
    # schema check of the Kubernetes manifests (tests/deploy)
    nodejs npm
    # kubectl kustomize deploy/k8s (tests/deploy/test_k8s.sh)
    kubernetes-client
)
VALGRIND=("${DEMO[@]}" valgrind)
FRESH=(git docker.io mmdebstrap docker-compose)

# Commands that stand for a package: when all of them are found, the
# package counts as present even if dpkg does not know it by that name.
# A Node.js from elsewhere (NodeSource's nodejs carries its own npm, and
# conflicts with Debian's npm package) serves as well as Debian's, and so
# does a kubectl from elsewhere (the Google Cloud SDK's kubectl package owns
# /usr/bin/kubectl, so Debian's kubernetes-client cannot be installed beside
# it; deploy/k8s builds with both).
declare -A PROVIDES=([docker.io]="docker dockerd" [mmdebstrap]="mmdebstrap"
    [nodejs]="node" [npm]="npm" [kubernetes-client]="kubectl"
    [docker-compose]="docker-compose")

profile=${1:-check}
case "$profile" in
demo) PACKAGES=("${DEMO[@]}") ;;
check) PACKAGES=("${CHECK[@]}") ;;
valgrind) PACKAGES=("${VALGRIND[@]}") ;;
fresh) PACKAGES=("${FRESH[@]}") ;;
*)
    echo "usage: $0 [demo|check|valgrind|fresh]" >&2
    exit 2
    ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1 ||
    ! command -v apt-get >/dev/null 2>&1; then
    echo "deps.sh: dpkg-query/apt-get not found; this script needs Debian 12" \
        "(install these by hand: ${PACKAGES[*]})" >&2
    exit 1
fi

# s_installed PKG - true when dpkg has PKG installed
s_installed()
{
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = \
        "install ok installed" ]
}

# s_provided PKG - true when PKG stands for commands and all of them are found
s_provided()
{
    local cmd
    [ -n "${PROVIDES[$1]:-}" ] || return 1
    for cmd in ${PROVIDES[$1]}; do
        PATH=$PATH:/usr/sbin:/sbin command -v "$cmd" >/dev/null 2>&1 ||
            return 1
    done
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! s_installed "$pkg" && ! s_provided "$pkg"; then
        missing+=("$pkg")
    fi
done

here=$(cd "$(dirname "$0")" && pwd)

# s_npm - the check profile's npm packages, once the Debian ones are there
s_npm()
{
    if [ "$profile" = check ]; then
        bash "$here/../examples/node-consumer/install.sh"
        bash "$here/../tests/standin/graphql/install.sh"
        bash "$here/npm-ci.sh" "$here/../tests/deploy"
    fi
}

if [ "${#missing[@]}" -eq 0 ]; then
    s_npm
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "deps.sh: missing packages: ${missing[*]}" >&2
    echo "deps.sh: not root and no password-less sudo; run this, then retry:" >&2
    echo "sudo apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
fi

echo "deps.sh: installing ($profile) ${missing[*]}" >&2

# Keep maintainer scripts from starting services (redis-server, docker)
# during the install, through the standard policy-rc.d hook, unless the
# machine already has its own policy (Docker images do). Our file is removed
# on exit.
policy=/usr/sbin/policy-rc.d
own_policy=0
cleanup()
{
    if [ "$own_policy" -eq 1 ]; then
        "${as_root[@]}" rm -f "$policy" || true
    fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
    own_policy=1
    printf '#!/bin/sh\n# devpulse scripts/deps.sh: do not start services\nexit 101\n' |
        "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 755 "$policy"
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"

# Where a redis-server service was enabled for boot anyway (systemd without
# our policy file), keep it from starting; nothing here relies on it.
case " ${missing[*]} " in
*" redis-server "*)
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        "${as_root[@]}" systemctl disable --now redis-server >/dev/null 2>&1 ||
            true
    fi
    ;;
esac

still=()
for pkg in "${missing[@]}"; do
    if ! s_installed "$pkg"; then
        still+=("$pkg")
    fi
done
if [ "${#still[@]}" -ne 0 ]; then
    echo "deps.sh: still missing after apt-get: ${still[*]}" >&2
    exit 1
fi
echo "deps.sh: installed ${missing[*]}" >&2
s_npm
