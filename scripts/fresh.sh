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
#  2. Uses the Docker daemon that answers (DOCKER_HOST or the default
#     socket). When none does, starts one as this machine allows:
#     `dockerd --bridge=none --iptables=false` on a private socket, pidfile
#     and exec root under $RUN_DIR, its data under $DATA_ROOT (so the base
#     image is kept from one run to the next) and its log beside it in
#     $STATE_DIR, with the overlay2 storage driver where an overlay mount
#     works here and vfs otherwise. That daemon is stopped by its PID when
#     this script ends, also on failure or interruption.
#  3. Builds the base image when it does not exist yet:
#     `mmdebstrap --variant=minbase --include=git,make,ca-certificates
#     bookworm - | docker import - devpulse-fresh-base:bookworm`. The mirror
#     is the host's own: apt reads /etc/apt/sources.list and
#     /etc/apt/sources.list.d/ (.list and deb822 .sources) and this script
#     takes the sites whose Release says Origin Debian (label Debian, and
#     Debian-Security for the security updates); DP_FRESH_MIRROR and
#     DP_FRESH_SECURITY_MIRROR override them.
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
SUITE=bookworm
BASE_PACKAGES=git,make,ca-certificates
STATE_DIR=${DP_FRESH_STATE:-/var/lib/devpulse-fresh}
DATA_ROOT=$STATE_DIR/docker
DAEMON_LOG=$STATE_DIR/dockerd.log
RUN_DIR=/run/devpulse-fresh     # socket, pidfile, exec root of our daemon
DAEMON_WAIT_S=60                # how long a daemon we start may take to answer
DAEMON_STOP_S=30                # how long it may take to stop on SIGTERM
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
export PATH=$PATH:/usr/sbin:/sbin
git rev-parse --verify -q "$REV^{commit}" >/dev/null ||
    die "$REV is not a commit of this repository"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    say "note: uncommitted changes are not part of the run ($REV is)"
fi

# ==== Docker daemon ====

daemon_pid=
container=
cleanup()
{
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$container" ]; then
        docker rm -f "$container" >/dev/null 2>&1 || true
    fi
    if [ -n "$daemon_pid" ]; then
        s_stop_daemon "$daemon_pid"
    fi
    exit "$rc"
}

# s_stop_daemon PID - stop our dockerd (SIGTERM, then SIGKILL after
# $DAEMON_STOP_S; an empty PID stops nothing), unmount what it left mounted
# under $RUN_DIR (its default network namespace) and remove that directory
s_stop_daemon()
{
    local pid=$1 i mnt
    if kill -0 "$pid" 2>/dev/null; then
        say "stopping dockerd (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < DAEMON_STOP_S * 10; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "dockerd (pid $pid) did not stop; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    fi
    while read -r mnt; do
        umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
    done < <(awk -v d="$RUN_DIR/" 'index($2, d) == 1 { print $2 }' \
        /proc/mounts | sort -r)
    rm -rf "$RUN_DIR" 2>/dev/null || say "could not remove $RUN_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# s_overlay_works - true when an overlay mount works on the data root's file
# system (what the overlay2 storage driver needs)
s_overlay_works()
{
    local d ok=1
    d=$(mktemp -d "$STATE_DIR/overlay-probe.XXXXXX")
    mkdir "$d/lower" "$d/upper" "$d/work" "$d/merged"
    if mount -t overlay overlay -o \
        "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" \
        "$d/merged" 2>/dev/null; then
        umount "$d/merged" && ok=0
    fi
    rm -rf "$d"
    return "$ok"
}

# s_start_daemon - start dockerd on the private socket; sets daemon_pid
s_start_daemon()
{
    local driver=${DP_FRESH_STORAGE_DRIVER:-} old i
    [ "$(id -u)" -eq 0 ] ||
        die "no Docker daemon answers and starting one needs root"
    # A daemon of ours left by a run that was killed: stop it first, since
    # two daemons must not share one data root.
    old=$(cat "$RUN_DIR/dockerd.pid" 2>/dev/null || true)
    if [[ "$old" =~ ^[0-9]+$ ]] &&
        [ "$(cat "/proc/$old/comm" 2>/dev/null)" = dockerd ]; then
        say "dockerd (pid $old) was left by an earlier run"
        s_stop_daemon "$old"
    elif [ -d "$RUN_DIR" ]; then
        s_stop_daemon ""
    fi
    mkdir -p "$DATA_ROOT" "$RUN_DIR"
    if [ -z "$driver" ]; then
        driver=vfs
        if s_overlay_works; then
            driver=overlay2
        fi
    fi
    say "starting dockerd (storage driver $driver, log $DAEMON_LOG)"
    dockerd --bridge=none --iptables=false --ip6tables=false \
        --host "unix://$RUN_DIR/docker.sock" \
        --pidfile "$RUN_DIR/dockerd.pid" --exec-root "$RUN_DIR/exec" \
        --data-root "$DATA_ROOT" --storage-driver "$driver" \
        >"$DAEMON_LOG" 2>&1 </dev/null &
    daemon_pid=$!
    export DOCKER_HOST=unix://$RUN_DIR/docker.sock
    for ((i = 0; i < DAEMON_WAIT_S * 10; i++)); do
        if docker info >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$daemon_pid" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$DAEMON_LOG" >&2 || true
    die "dockerd did not answer within ${DAEMON_WAIT_S}s"
}

if docker info >/dev/null 2>&1; then
    say "using the Docker daemon that answers"
else
    s_start_daemon
fi

# ==== Base image ====

# s_debian_sites - "SITE LABEL" for each index target of the host's apt
# sources whose Release file says Origin: Debian
s_debian_sites()
{
    apt-get indextargets --format '$(SITE) $(LABEL)' \
        'Identifier: Packages' 'Origin: Debian' 2>/dev/null | sort -u
}

# s_write_sources FILE - the bookworm sources for the image, on the host's
# Debian mirrors, in one-line format
s_write_sources()
{
    local archive=${DP_FRESH_MIRROR:-} security=${DP_FRESH_SECURITY_MIRROR:-}
    local site label
    if [ -z "$archive" ] && [ -z "$(s_debian_sites)" ]; then
        apt-get update -q >&2 || true # the Release files name the origins
    fi
    while read -r site label; do
        case "$label" in
        Debian) archive=${archive:-$site} ;;
        Debian-Security) security=${security:-$site} ;;
        esac
    done < <(s_debian_sites)
    [ -n "$archive" ] ||
        die "no Debian mirror in the apt sources here; set DP_FRESH_MIRROR"
    {
        echo "deb $archive $SUITE main"
        echo "deb $archive $SUITE-updates main"
        if [ -n "$security" ]; then
            echo "deb $security $SUITE-security main"
        fi
    } >"$1"
    say "mirrors: $archive${security:+ $security}"
}

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "base image $IMAGE exists"
else
    say "building base image $IMAGE (mmdebstrap minbase + $BASE_PACKAGES)"
    [ "$(id -u)" -eq 0 ] || die "building the base image needs root"
    mkdir -p "$STATE_DIR"
    sources=$(mktemp "$STATE_DIR/sources.XXXXXX")
    s_write_sources "$sources"
    if ! mmdebstrap --quiet --variant=minbase --include="$BASE_PACKAGES" \
        "$SUITE" - "$sources" |
        docker import --change 'CMD ["/bin/bash"]' - "$IMAGE" >/dev/null; then
        rm -f "$sources"
        docker rmi -f "$IMAGE" >/dev/null 2>&1 || true
        die "building $IMAGE failed"
    fi
    rm -f "$sources"
fi

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
