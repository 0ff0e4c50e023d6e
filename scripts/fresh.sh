#!/usr/bin/env bash
# scripts/fresh.sh - the README's two commands in a clean Debian 12 container
# SPDX-License-Identifier: MIT
#
# Usage: scripts/fresh.sh   (make fresh)
#
# Proves that a bare Debian 12 machine with only git, make and
# ca-certificates runs README.md's "The two commands": `make demo` (which
# must print the path of a report that exists) and then `make check`, as
# root, in a container started from a clean base image, on a clean copy of
# the committed tree (`git archive`, never the working tree with its build
# directories). Exits with the container's exit code; the container's output
# goes to this terminal.
#
#  1. Installs what it needs on the host: scripts/deps.sh fresh (git,
#     docker.io, mmdebstrap).
#  2. Uses the Docker daemon that answers, or starts one as this machine
#     allows (`dockerd --bridge=none --iptables=false`, its data kept in
#     $DP_FRESH_STATE from one run to the next), and stops a daemon it
#     started by its PID when it ends, also on failure or interruption
#     (scripts/docker-daemon.sh, shared with scripts/e2e-docker.sh).
#  3. Builds the base image when it does not exist yet:
#     `mmdebstrap --variant=minbase --include=git,make,ca-certificates
#     bookworm - | docker import - devpulse-fresh-base:bookworm` on the
#     host's Debian mirrors (scripts/docker-daemon.sh).
#  4. Creates a container from that image (host network, docker-init as
#     PID 1), copies the tree into it at the same path as here, mounts
#     ../shared read-only beside it when it exists (so `../shared` resolves
#     inside exactly as it does here), runs the two commands and removes the
#     container.
#
# Environment: DP_FRESH_REV (the commit to test, default HEAD),
# DP_FRESH_IMAGE (base image name), DP_FRESH_STATE (data of a daemon this
# script starts, default /var/lib/devpulse-fresh), DP_FRESH_STORAGE_DRIVER
# (force a storage driver for that daemon).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

REV=${DP_FRESH_REV:-HEAD}
IMAGE=${DP_FRESH_IMAGE:-devpulse-fresh-base:bookworm}
BASE_PACKAGES=git,make,ca-certificates
SHM_SIZE=1g                     # chromium (tests/browser) needs more than 64m

say()
{
    echo "fresh: $*" >&2
}

die()
{
    say "$*"
    exit 1
}

# ==== Host packages ====

bash scripts/deps.sh fresh
git rev-parse --verify -q "$REV^{commit}" >/dev/null ||
    die "$REV is not a commit of this repository"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    say "note: uncommitted changes are not part of the run ($REV is)"
fi

# ==== Docker daemon and base image (scripts/docker-daemon.sh) ====

# shellcheck source=scripts/docker-daemon.sh
source scripts/docker-daemon.sh

container=
cleanup()
{
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$container" ]; then
        docker rm -f "$container" >/dev/null 2>&1 || true
    fi
    dp_docker_stop
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

dp_docker_start
dp_docker_base "$IMAGE" "$BASE_PACKAGES"

# ==== The two commands ====

# Runs inside the container, in the tree, as root: the README's commands,
# and a check that `make demo` printed the path of a report that exists.
# shellcheck disable=SC2016 # expanded inside the container
INNER='set -euo pipefail
cd "$1"
# The host'"'"'s own trust anchors (see LOCAL_CAS below): the system bundle,
# and node, whose built-in store ignores the system'"'"'s otherwise.
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
    update-ca-certificates >/dev/null
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
echo "== fresh: make demo (in $1, $(. /etc/os-release && echo "$PRETTY_NAME"))"
make demo | tee /tmp/fresh-demo.out
report=$(sed "/^[[:space:]]*\$/d" /tmp/fresh-demo.out | tail -n 1)
if [ -z "$report" ] || [ ! -f "$report" ]; then
    echo "fresh: make demo printed no report path that exists" \
        "(last line: ${report:-none})" >&2
    exit 1
fi
echo "== fresh: make demo wrote $report"
echo "== fresh: make check"
make check'

# The container reaches the network as the host does: the same proxy
# settings, and the certificate authorities the host added to its trust
# (Debian keeps local ones in /usr/local/share/ca-certificates; a network
# that inspects TLS, as package registries are reached from some machines,
# needs its CA there). The base image itself stays as built.
LOCAL_CAS=/usr/local/share/ca-certificates
envs=()
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    if [ -n "${!v:-}" ]; then
        envs+=(--env "$v")
    fi
done

mounts=()
shared=$(dirname "$root")/shared
if [ -d "$shared" ]; then
    mounts+=(--volume "$shared:$shared:ro")
fi
container=devpulse-fresh-$$
docker rm -f "$container" >/dev/null 2>&1 || true
docker create --name "$container" --network host --init --user 0:0 \
    --shm-size "$SHM_SIZE" "${mounts[@]}" "${envs[@]}" "$IMAGE" \
    bash -c "$INNER" fresh "$root" >/dev/null
git archive --format=tar --prefix="${root#/}/" "$REV" |
    docker cp - "$container:/"
if ls "$LOCAL_CAS"/*.crt >/dev/null 2>&1; then
    tar -C / -cf - "${LOCAL_CAS#/}" | docker cp - "$container:/"
fi
say "running make demo and make check on $(git rev-parse --short "$REV")" \
    "in $IMAGE"
# In the background, so that a signal to this script is handled at once
# (bash runs its traps only between commands, and `wait` is interruptible).
docker start --attach "$container" &
wait "$!" || true
rc=$(docker wait "$container")
say "container exit code $rc"
exit "$rc"
