#!/usr/bin/env bash
# scripts/e2e-docker.sh - the images and the compose stack, end to end
# SPDX-License-Identifier: MIT
#
# Usage: scripts/e2e-docker.sh   (make e2e-docker; needs root or Docker)
#
#  1. Installs what it needs on the host (scripts/deps.sh fresh: docker.io,
#     mmdebstrap, docker-compose; scripts/deps.sh demo: the build), builds
#     the GitHub stand-in on the host (build/, as `make build` does) and
#     serves tests/data/busy with it on 127.0.0.1.
#  2. Uses the Docker daemon that answers or starts one as this machine
#     allows, and makes a Debian 12 base image locally when none exists
#     (scripts/docker-daemon.sh, shared with scripts/fresh.sh).
#  3. Builds the images of deploy/Dockerfile on that base (DEBIAN_IMAGE):
#     collector, classifier, summarizer, renderer and redis, and prints
#     their sizes.
#  4. Runs the stack of deploy/compose.host.yml (host networking, 127.0.0.1
#     only) with a devpulse.yml of its own (the repository of the dataset,
#     hourly windows, zh, its own topic title, formats md, html and json),
#     waits until every service is healthy, and asks it for the busy hour
#     with `devpulse request` run from the renderer's image: the report must
#     exist in the site directory with the dataset's exact counts, its HTML
#     beside it and the configuration's topic in it.
#  5. Kills the summarizer's process (SIGKILL from the host, as a crash),
#     asks for the hour before while compose's restart policy brings it
#     back, and checks the second report.
#  6. Tears everything down (`docker-compose down -v`), stops the stand-in
#     and a daemon it started by their PIDs, also on failure or interruption,
#     and prints one summary line.
# Every wait is bounded. Exit 0 when every check passed.
#
# Environment: DP_E2E_IMAGE (the base image, default
# devpulse-debian:bookworm-slim, made when missing), DP_E2E_KEEP=1 (keep the
# temporary directory), and those of scripts/docker-daemon.sh.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

BASE_IMAGE=${DP_E2E_IMAGE:-devpulse-debian:bookworm-slim}
PROJECT=devpulse-e2e
COMPOSE_FILE=$root/deploy/compose.host.yml
TARGETS=(redis collector classifier summarizer renderer)
SERVICES=(collector classifier summarizer renderer)
REPO=vllm-project/vllm
DATA=$root/tests/data/busy
FIRST_FROM=2025-12-15T14:00+08:00 # the busy hour: EXPECTED-stats.txt
FIRST_TO=2025-12-15T15:00+08:00
SECOND_FROM=2025-12-15T13:00+08:00
SECOND_TO=2025-12-15T14:00+08:00
TOPIC_TITLE="AMD-compose" # a title only this run's devpulse.yml gives
STANDIN_WAIT_S=30         # the stand-in prints its URL
UP_WAIT_S=300             # `docker-compose up` until every service is healthy
REQUEST_TIMEOUT_S=240     # one `devpulse request`
RESTART_WAIT_S=120        # compose restarts a killed service
NOBODY=65534              # the images' user

start=$(date +%s)
say()
{
    echo "e2e-docker: $*" >&2
}

die()
{
    say "$*"
    exit 1
}

passes=0
fails=0
pass()
{
    passes=$((passes + 1))
    echo "PASS: $*"
}

fail()
{
    fails=$((fails + 1))
    echo "FAIL: $*"
}

# ==== Host packages, the stand-in ====

bash scripts/deps.sh fresh
bash scripts/deps.sh demo
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target gh-standin >/dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/devpulse-e2e-docker.XXXXXX")
standin_pid=
stack_up=0
compose=(docker-compose -p "$PROJECT" -f "$COMPOSE_FILE")

# shellcheck source=scripts/docker-daemon.sh
source scripts/docker-daemon.sh

cleanup()
{
    local rc=$?
    trap - EXIT INT TERM
    if [ "$stack_up" -eq 1 ]; then
        if [ "$rc" -ne 0 ] || [ "$fails" -ne 0 ]; then
            "${compose[@]}" ps >&2 || true
            "${compose[@]}" logs --no-color --tail 30 >&2 || true
        fi
        say "docker-compose down -v"
        timeout 120 "${compose[@]}" down -v --timeout 10 >/dev/null 2>&1 ||
            say "docker-compose down failed"
    fi
    if [ -n "$standin_pid" ]; then
        kill "$standin_pid" 2>/dev/null || true
        wait "$standin_pid" 2>/dev/null || true
    fi
    dp_docker_stop
    if [ "${DP_E2E_KEEP:-0}" = 1 ]; then
        say "kept $tmp"
    else
        rm -rf "$tmp"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Serves the dataset on 127.0.0.1; its REST answers only (GraphQL is
# checked by make check, with its validator): the collector turns GraphQL
# off at its 404.
build/bin/gh-standin --data "$DATA" --port 0 --no-graphql \
    >"$tmp/standin.out" 2>"$tmp/standin.err" &
standin_pid=$!
standin_url=
for ((i = 0; i < STANDIN_WAIT_S * 10; i++)); do
    standin_url=$(head -n 1 "$tmp/standin.out" 2>/dev/null || true)
    [ -n "$standin_url" ] && break
    kill -0 "$standin_pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$standin_url" ] || die "gh-standin did not start: $(cat "$tmp/standin.err")"
say "GitHub stand-in at $standin_url ($DATA)"

# ==== Docker, the base image, the images ====

dp_docker_start
dp_docker_base "$BASE_IMAGE" "" slim

build_start=$(date +%s)
for target in "${TARGETS[@]}"; do
    say "building devpulse-$target"
    # The legacy builder (no buildx here) builds the shared stages once;
    # the later targets find them in its cache.
    DOCKER_BUILDKIT=0 docker build --quiet --network host \
        -f deploy/Dockerfile --build-arg "DEBIAN_IMAGE=$BASE_IMAGE" \
        --target "$target" -t "devpulse-$target" . >/dev/null 2>"$tmp/build.err" ||
        {
            tail -n 30 "$tmp/build.err" >&2
            die "building devpulse-$target failed"
        }
done
build_s=$(($(date +%s) - build_start))
sizes=
for target in "${TARGETS[@]}"; do
    mb=$(docker image inspect -f '{{.Size}}' "devpulse-$target" |
        awk '{ printf "%.0f", $1 / 1000000 }')
    sizes+="${sizes:+ }$target=${mb}MB"
done
say "images built in ${build_s}s: $sizes"

# ==== The stack ====

site=$tmp/site
mkdir -p "$site"
chown "$NOBODY:$NOBODY" "$site"
cat >"$tmp/devpulse.yml" <<EOF
timezone: Asia/Shanghai
language: zh
windows: [hourly]
repositories:
  - {repo: $REPO, name: vLLM}
outputs: {dir: ignored-in-containers, formats: [md, html, json]}
topics:
  amd:
    title: $TOPIC_TITLE
    short: AMD
    any:
      - label=rocm
      - files~=^csrc/rocm/
      - files=vllm/platforms/rocm.py
      - title~=(?i)\\b(AMD|ROCm|HIP|AITER|Quark|MI300X?|MI325X?|MI355X?)\\b
EOF
chmod 644 "$tmp/devpulse.yml"

# Secrets for this run only, through the environment (never argv).
REDIS_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
export REDIS_PASSWORD
keys=$(docker run --rm --network none --entrypoint /usr/local/bin/devpulse \
    devpulse-renderer keygen)
DP_CURVE_PUBLIC_KEY=$(sed -n 's/^DP_CURVE_PUBLIC_KEY=//p' <<<"$keys")
DP_CURVE_SECRET_KEY=$(sed -n 's/^DP_CURVE_SECRET_KEY=//p' <<<"$keys")
unset keys
[ -n "$DP_CURVE_PUBLIC_KEY" ] && [ -n "$DP_CURVE_SECRET_KEY" ] ||
    die "devpulse keygen in the image gave no keypair"
export DP_CURVE_PUBLIC_KEY DP_CURVE_SECRET_KEY
export GITHUB_API_URL=$standin_url GITHUB_TOKEN= GITHUB_TOKENS=
export E2E_CONFIG=$tmp/devpulse.yml E2E_SITE=$site
export DP_RETRY_BASE_MS=50 # the stand-in answers at once
export DP_WATCH_S=20        # a window lost with the summarizer is replayed

timeout 60 "${compose[@]}" down -v >/dev/null 2>&1 || true # an earlier run's
stack_up=1
say "docker-compose up (every service healthy within ${UP_WAIT_S}s)"
up_start=$(date +%s)
# s_all_healthy - true when every service's container reports healthy
s_all_healthy()
{
    local svc cid
    for svc in redis "${SERVICES[@]}"; do
        cid=$("${compose[@]}" ps -q "$svc" 2>/dev/null)
        [ -n "$cid" ] || return 1
        [ "$(docker inspect -f '{{.State.Health.Status}}' "$cid")" = healthy ] ||
            return 1
    done
}
# compose waits for the services others depend on; the classifier, which
# none does, is waited for here.
healthy=0
if timeout "$UP_WAIT_S" "${compose[@]}" up -d 2>"$tmp/up.err"; then
    while [ $(($(date +%s) - up_start)) -lt "$UP_WAIT_S" ]; do
        if s_all_healthy; then
            healthy=1
            break
        fi
        sleep 1
    done
fi
if [ "$healthy" -eq 1 ]; then
    pass "the stack is up and every service healthy" \
        "($(($(date +%s) - up_start))s)"
else
    cat "$tmp/up.err" >&2
    fail "the stack did not come up healthy"
    die "$passes passed, $fails failed"
fi

# s_request FROM TO - asks the stack for a window with `devpulse request`
# from the renderer's image (the CLI every image carries), on the host's
# network; prints the report's path on the host
s_request()
{
    local path
    path=$(timeout $((REQUEST_TIMEOUT_S + 30)) docker run --rm --network host \
        --read-only --cap-drop ALL --user "$NOBODY:$NOBODY" \
        -e DP_CURVE_PUBLIC_KEY -e DP_CURVE_SECRET_KEY \
        --entrypoint /usr/local/bin/devpulse devpulse-renderer \
        request "$REPO" --from "$1" --to "$2" \
        --connect tcp://127.0.0.1:7100 --reports tcp://127.0.0.1:7401 \
        --timeout "$REQUEST_TIMEOUT_S" 2>>"$tmp/request.err" |
        tail -n 1) || return 1
    # The renderer wrote it under /site, which is $site here.
    case "$path" in
    /site/*) echo "$site/${path#/site/}" ;;
    *) return 1 ;;
    esac
}

# s_check_report LABEL PATH - the Markdown report, its HTML and JSON, the
# stats line and the configuration's topic
s_check_report()
{
    local label=$1 md=$2
    if [ -f "$md" ]; then
        pass "$label: $md exists in the site directory"
    else
        fail "$label: no report (devpulse request printed '${md}')"
        tail -n 5 "$tmp/request.err" >&2 || true
        return
    fi
    # <site>/<owner>/<repo>/_posts/<base>.md; the others in <owner>/<repo>.
    local base repo_dir
    base=$(basename "$md" .md)
    repo_dir=$(dirname "$(dirname "$md")")
    if [ -f "$repo_dir/$base.html" ] && [ -f "$repo_dir/$base.json" ]; then
        pass "$label: outputs.formats of devpulse.yml honoured (html, json)"
    else
        fail "$label: no $base.html or $base.json in $repo_dir"
    fi
    if grep -q '^> 数据统计: 新 Issue [0-9]* | 关闭 Issue' "$md"; then
        pass "$label: the report has its stats line (language zh)"
    else
        fail "$label: no zh stats line in $md"
    fi
}

# ==== First window ====

say "asking for $REPO $FIRST_FROM..$FIRST_TO"
first=$(s_request "$FIRST_FROM" "$FIRST_TO" || true)
s_check_report "first window" "$first"
if [ -f "$first" ] &&
    grep -qxF -- "$(cat "$DATA/EXPECTED-stats.txt")" "$first"; then
    pass "first window: counts equal EXPECTED-stats.txt"
else
    fail "first window: counts differ from EXPECTED-stats.txt"
fi
if [ -f "$first" ] && grep -q "^### 🎯 $TOPIC_TITLE" "$first"; then
    pass "first window: the topics of devpulse.yml replace the built-in rules"
else
    fail "first window: no section for the topic $TOPIC_TITLE"
fi

# ==== A crash, then the second window ====

cid=$("${compose[@]}" ps -q summarizer)
restarts=$(docker inspect -f '{{.RestartCount}}' "$cid")
pid=$(docker inspect -f '{{.State.Pid}}' "$cid")
say "killing the summarizer (container ${cid:0:12}, pid $pid) with SIGKILL"
kill -KILL "$pid"
say "asking for $REPO $SECOND_FROM..$SECOND_TO while it restarts"
second=$(s_request "$SECOND_FROM" "$SECOND_TO" || true)
now=
for ((i = 0; i < RESTART_WAIT_S * 10; i++)); do
    now=$(docker inspect -f '{{.RestartCount}} {{.State.Running}}' "$cid")
    [ "$now" = "$((restarts + 1)) true" ] && break
    sleep 0.1
done
if [ "$now" = "$((restarts + 1)) true" ]; then
    pass "compose restarted the killed summarizer"
else
    fail "the summarizer was not restarted (restarts, running: $now)"
fi
s_check_report "second window" "$second"

# ==== Summary ====

total=$(($(date +%s) - start))
echo "e2e-docker: $passes passed, $fails failed in ${total}s" \
    "(images ${build_s}s: $sizes)"
[ "$fails" -eq 0 ]
