#!/usr/bin/env bash
# scripts/deps.sh - install the Debian 12 packages devpulse needs, if missing
# SPDX-License-Identifier: MIT
#
# Checks each package with dpkg-query and installs only the missing ones with
# apt-get: directly as root, through `sudo -n` when that works without a
# password, and otherwise prints the one command to run and exits 1.
# Quiet and idempotent when everything is already installed.
#
# redis-server is installed without starting its system service: the tests
# and `devpulse report` start their own servers on private sockets.
# chromium (Debian's, run headless) and a small CJK font are for the browser
# test of the HTML reports (tests/browser); it skips when chromium is absent.
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config
    libzmq3-dev libcurl4-openssl-dev libmsgpack-dev libhiredis-dev
    libcmocka-dev libjansson-dev libpcre2-dev libcmark-dev
    libmicrohttpd-dev libyaml-dev libssl-dev openssl
    redis-server tzdata curl ca-certificates
    clang
    # clang's sanitizer and libFuzzer runtimes (make fuzz, make check): only
    # a Recommends of clang-14, which --no-install-recommends leaves out
    libclang-rt-dev
    chromium fonts-wqy-microhei
)

if ! command -v dpkg-query >/dev/null 2>&1 ||
    ! command -v apt-get >/dev/null 2>&1; then
    echo "deps.sh: dpkg-query/apt-get not found; this script needs Debian 12" \
        "(install these by hand: ${PACKAGES[*]})" >&2
    exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "install ok installed" ]; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
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

echo "deps.sh: installing ${missing[*]}" >&2

# Keep maintainer scripts from starting services (redis-server) during the
# install, through the standard policy-rc.d hook, unless the machine already
# has its own policy (Docker images do). Our file is removed on exit.
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
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "install ok installed" ]; then
        still+=("$pkg")
    fi
done
if [ "${#still[@]}" -ne 0 ]; then
    echo "deps.sh: still missing after apt-get: ${still[*]}" >&2
    exit 1
fi
echo "deps.sh: installed ${missing[*]}" >&2
