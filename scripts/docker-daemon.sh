# scripts/docker-daemon.sh - a Docker daemon and a Debian 12 base image,
# as this machine allows (sourced by scripts/fresh.sh and
# scripts/e2e-docker.sh)
# SPDX-License-Identifier: MIT
#
# Source it from bash after defining say and die (one line to stderr; die
# also exits 1). It defines:
#
#   dp_docker_start  Uses the Docker daemon that answers (DOCKER_HOST or the
#                    default socket). When none does, starts one:
#                    `dockerd --bridge=none --iptables=false` (containers use
#                    the host's network) on a private socket, pidfile and
#                    exec root under $DP_DOCKER_RUN, its data under
#                    $DP_DOCKER_STATE/docker (images are kept from one run to
#                    the next, for every script that uses this file) and its
#                    log in $DP_DOCKER_STATE/dockerd.log, with the overlay2
#                    storage driver where an overlay mount works here and vfs
#                    otherwise (DP_FRESH_STORAGE_DRIVER forces one). Exports
#                    DOCKER_HOST and sets dp_docker_pid. Two scripts do not
#                    run daemons on one data root at once: the second waits
#                    for the first (a lock on $DP_DOCKER_STATE/lock, at most
#                    DP_DOCKER_LOCK_S seconds).
#   dp_docker_stop   Stops the daemon dp_docker_start started, by its PID
#                    (SIGTERM, then SIGKILL after $DP_DOCKER_STOP_S),
#                    unmounts what it left under $DP_DOCKER_RUN and removes
#                    that directory; does nothing for a daemon it found.
#                    Call it from the EXIT trap.
#   dp_docker_base IMAGE [PACKAGES] [slim]
#                    Builds IMAGE when it does not exist yet:
#                    `mmdebstrap --variant=minbase [--include=PACKAGES]
#                    bookworm - | docker import - IMAGE`. With "slim", as
#                    Debian's -slim images: merged /usr without the usrmerge
#                    package (and the perl it pulls in), and no manual pages,
#                    documentation (but copyrights) or translations. The
#                    mirror is the
#                    host's own: apt reads /etc/apt/sources.list and
#                    /etc/apt/sources.list.d/ (.list and deb822 .sources) and
#                    the sites whose Release says Origin Debian are taken
#                    (label Debian, and Debian-Security for the security
#                    updates); DP_FRESH_MIRROR and DP_FRESH_SECURITY_MIRROR
#                    override them. The image's apt sources are those.
#
# Environment: DP_DOCKER_STATE (default $DP_FRESH_STATE, else
# /var/lib/devpulse-fresh), DP_FRESH_STORAGE_DRIVER, DP_FRESH_MIRROR,
# DP_FRESH_SECURITY_MIRROR.

DP_DOCKER_SUITE=bookworm
DP_DOCKER_STATE=${DP_DOCKER_STATE:-${DP_FRESH_STATE:-/var/lib/devpulse-fresh}}
DP_DOCKER_RUN=/run/devpulse-fresh # socket, pidfile, exec root of our daemon
DP_DOCKER_WAIT_S=60               # how long a daemon we start may take to answer
DP_DOCKER_STOP_S=30               # how long it may take to stop on SIGTERM
DP_DOCKER_LOCK_S=${DP_DOCKER_LOCK_S:-3600} # wait for another script's daemon
dp_docker_pid=
export PATH=$PATH:/usr/sbin:/sbin

# s_docker_kill PID - stop a dockerd of ours (an empty PID stops nothing),
# unmount what it left mounted under $DP_DOCKER_RUN (its default network
# namespace) and remove that directory
s_docker_kill()
{
    local pid=$1 i mnt
    if kill -0 "$pid" 2>/dev/null; then
        say "stopping dockerd (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < DP_DOCKER_STOP_S * 10; i++)); do
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
    done < <(awk -v d="$DP_DOCKER_RUN/" 'index($2, d) == 1 { print $2 }' \
        /proc/mounts | sort -r)
    rm -rf "$DP_DOCKER_RUN" 2>/dev/null || say "could not remove $DP_DOCKER_RUN"
}

dp_docker_stop()
{
    if [ -n "$dp_docker_pid" ]; then
        s_docker_kill "$dp_docker_pid"
        dp_docker_pid=
    fi
}

# s_overlay_works - true when an overlay mount works on the data root's file
# system (what the overlay2 storage driver needs)
s_overlay_works()
{
    local d ok=1
    d=$(mktemp -d "$DP_DOCKER_STATE/overlay-probe.XXXXXX")
    mkdir "$d/lower" "$d/upper" "$d/work" "$d/merged"
    if mount -t overlay overlay -o \
        "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" \
        "$d/merged" 2>/dev/null; then
        umount "$d/merged" && ok=0
    fi
    rm -rf "$d"
    return "$ok"
}

dp_docker_start()
{
    local driver=${DP_FRESH_STORAGE_DRIVER:-} old i
    local data=$DP_DOCKER_STATE/docker log=$DP_DOCKER_STATE/dockerd.log
    if docker info >/dev/null 2>&1; then
        say "using the Docker daemon that answers"
        return 0
    fi
    [ "$(id -u)" -eq 0 ] ||
        die "no Docker daemon answers and starting one needs root"
    mkdir -p "$data"
    # One daemon on this data root at a time; the lock is held until this
    # shell exits (the descriptor stays open).
    exec {dp_docker_lock_fd}>"$DP_DOCKER_STATE/lock"
    if ! flock -n "$dp_docker_lock_fd"; then
        say "waiting for another run's dockerd to end (at most" \
            "${DP_DOCKER_LOCK_S}s)"
        flock -w "$DP_DOCKER_LOCK_S" "$dp_docker_lock_fd" ||
            die "another run holds $DP_DOCKER_STATE/lock"
    fi
    # A daemon of ours left by a run that was killed: stop it first, since
    # two daemons must not share one data root.
    old=$(cat "$DP_DOCKER_RUN/dockerd.pid" 2>/dev/null || true)
    if [[ "$old" =~ ^[0-9]+$ ]] &&
        [ "$(cat "/proc/$old/comm" 2>/dev/null)" = dockerd ]; then
        say "dockerd (pid $old) was left by an earlier run"
        s_docker_kill "$old"
    elif [ -d "$DP_DOCKER_RUN" ]; then
        s_docker_kill ""
    fi
    mkdir -p "$DP_DOCKER_RUN"
    if [ -z "$driver" ]; then
        driver=vfs
        if s_overlay_works; then
            driver=overlay2
        fi
    fi
    say "starting dockerd (storage driver $driver, log $log)"
    dockerd --bridge=none --iptables=false --ip6tables=false \
        --host "unix://$DP_DOCKER_RUN/docker.sock" \
        --pidfile "$DP_DOCKER_RUN/dockerd.pid" \
        --exec-root "$DP_DOCKER_RUN/exec" \
        --data-root "$data" --storage-driver "$driver" \
        >"$log" 2>&1 </dev/null &
    dp_docker_pid=$!
    export DOCKER_HOST=unix://$DP_DOCKER_RUN/docker.sock
    for ((i = 0; i < DP_DOCKER_WAIT_S * 10; i++)); do
        if docker info >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$dp_docker_pid" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$log" >&2 || true
    die "dockerd did not answer within ${DP_DOCKER_WAIT_S}s"
}

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
    local site label suite=$DP_DOCKER_SUITE
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
        echo "deb $archive $suite main"
        echo "deb $archive $suite-updates main"
        if [ -n "$security" ]; then
            echo "deb $security $suite-security main"
        fi
    } >"$1"
    say "mirrors: $archive${security:+ $security}"
}

dp_docker_base()
{
    local image=$1 packages=${2:-} slim=${3:-} sources p
    local opts=(--quiet --variant=minbase)
    if [ -n "$packages" ]; then
        opts+=(--include="$packages")
    fi
    if [ "$slim" = slim ]; then
        opts+=(--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr)
        for p in /usr/share/man /usr/share/info /usr/share/locale \
            /usr/share/doc /usr/share/lintian /usr/share/linda; do
            opts+=(--dpkgopt="path-exclude=$p/*")
        done
        opts+=(--dpkgopt='path-include=/usr/share/doc/*/copyright')
    fi
    if docker image inspect "$image" >/dev/null 2>&1; then
        say "base image $image exists"
        return 0
    fi
    say "building base image $image (mmdebstrap minbase" \
        "${packages:++ $packages }${slim})"
    [ "$(id -u)" -eq 0 ] || die "building the base image needs root"
    command -v mmdebstrap >/dev/null 2>&1 ||
        die "mmdebstrap is missing (scripts/deps.sh fresh installs it)"
    mkdir -p "$DP_DOCKER_STATE"
    sources=$(mktemp "$DP_DOCKER_STATE/sources.XXXXXX")
    s_write_sources "$sources"
    if ! mmdebstrap "${opts[@]}" "$DP_DOCKER_SUITE" - "$sources" \
        2>"$DP_DOCKER_STATE/mmdebstrap.log" |
        docker import --change 'CMD ["/bin/bash"]' - "$image" >/dev/null; then
        tail -n 20 "$DP_DOCKER_STATE/mmdebstrap.log" >&2 || true
        rm -f "$sources"
        docker rmi -f "$image" >/dev/null 2>&1 || true
        die "building $image failed"
    fi
    rm -f "$sources"
}
