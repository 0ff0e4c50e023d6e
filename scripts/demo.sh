#!/usr/bin/env bash
# scripts/demo.sh - a real report from the bundled sample, offline
# SPDX-License-Identifier: MIT
#
# Serves demo/sample through the GitHub stand-in on 127.0.0.1, runs
# `devpulse report` against it (devpulse starts its own redis-server), and
# prints the path of the Markdown report as the last line.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

BIN=${DP_BIN_DIR:-$root/build/bin}
DATA=${DP_DEMO_DATA:-$root/demo/sample}
OUT=${DP_DEMO_OUT:-site}
REPO=vllm-project/vllm
FROM=2025-12-11T10:00+08:00
TO=2025-12-11T11:00+08:00
STARTUP_WAIT_S=20      # how long the stand-in may take to print its URL
REPORT_TIMEOUT_S=600   # bound on the whole `devpulse report` run

die()
{
    echo "demo: $*" >&2
    exit 1
}

for exe in gh-standin devpulse; do
    [ -x "$BIN/$exe" ] || die "$BIN/$exe not found; run 'make build' first"
done
[ -d "$DATA" ] || die "sample data $DATA not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/devpulse-demo.XXXXXX")
standin_pid=
cleanup()
{
    if [ -n "$standin_pid" ] && kill -0 "$standin_pid" 2>/dev/null; then
        kill "$standin_pid" 2>/dev/null || true
        wait "$standin_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The stand-in prints its base URL as its first stdout line. stdbuf makes
# that line reach the file at once even if the program buffers stdout.
linebuf=()
if command -v stdbuf >/dev/null 2>&1; then
    linebuf=(stdbuf -oL)
fi
"${linebuf[@]}" "$BIN/gh-standin" --data "$DATA" --port 0 \
    >"$tmp/standin.out" 2>"$tmp/standin.err" </dev/null &
standin_pid=$!

url=
deadline=$((SECONDS + STARTUP_WAIT_S))
while [ "$SECONDS" -lt "$deadline" ]; do
    # Only a complete first line counts (the newline has been written).
    if [ "$(wc -l <"$tmp/standin.out")" -ge 1 ]; then
        url=$(head -n 1 "$tmp/standin.out" | tr -d '\r[:space:]')
        break
    fi
    if ! kill -0 "$standin_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if ! [[ "$url" =~ ^http://127\.0\.0\.1:[0-9]+(/.*)?$ ]]; then
    echo "demo: the GitHub stand-in did not print its URL (got '${url}')" >&2
    tail -n 20 "$tmp/standin.err" >&2 || true
    exit 1
fi
echo "demo: GitHub stand-in at $url serving $DATA" >&2

# Offline and self-contained: a private Redis (REDIS_URL unset) and the
# extractive writer (no LLM endpoint), whatever the caller's environment says.
rc=0
out=$(env -u REDIS_URL -u REDIS_PASSWORD -u LLM_BASE_URL -u LLM_API_KEY \
    GITHUB_API_URL="$url" GITHUB_TOKEN= \
    timeout "$REPORT_TIMEOUT_S" "$BIN/devpulse" report "$REPO" \
    --from "$FROM" --to "$TO" --out "$OUT" --name vLLM </dev/null) || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "demo: devpulse report failed (exit $rc)" >&2
    tail -n 20 "$tmp/standin.err" >&2 || true
    exit 1
fi

report=$(printf '%s\n' "$out" | sed '/^[[:space:]]*$/d' | tail -n 1)
[ -n "$report" ] || die "devpulse report printed no path"
[ -f "$report" ] || die "devpulse report printed '$report', which is not a file"
report=$(realpath "$report")

echo "Report: $report"
echo "$report"
