#!/usr/bin/env bash
# valgrind.sh - the end-to-end report under valgrind: the devpulse command
# and every service it starts, checked for leaks and memory errors
# SPDX-License-Identifier: MIT
#
# Usage: scripts/valgrind.sh BUILD_DIR   (a build without sanitizers)
set -euo pipefail
BIN=$(cd "${1:-build-valgrind}/bin" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)"; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dp-valgrind.XXXXXX")
STANDIN=
cleanup() {
    [ -n "$STANDIN" ] && kill "$STANDIN" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

"$BIN/gh-standin" --data "$ROOT/tests/data/vllm-hour" --port 0 >"$TMP/standin.out" &
STANDIN=$!
for _ in $(seq 1 200); do
    URL=$(head -n 1 "$TMP/standin.out" 2>/dev/null || true)
    [ -n "$URL" ] && break
    sleep 0.05
done
VG="valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$TMP/vg.%p.log"
echo "valgrind: devpulse report and its services (slow: a minute or two)"
GITHUB_API_URL="$URL" GITHUB_TOKEN="" DP_WRAPPER="$VG" DP_WATCH_S=600 \
    $VG "$BIN/devpulse" report vllm-project/vllm --timeout 600 \
    --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
    --out "$TMP/site" --name vLLM --format md,json,html >"$TMP/path"
[ -s "$(cat "$TMP/path")" ] || { echo "valgrind: no report was written"; exit 1; }
logs=$(ls "$TMP"/vg.*.log | wc -l)
bad=0
# Errors and leaks are "==PID==" lines; "--PID--" lines are valgrind's own
# notices (such as a system call it does not know, pidfd_open in 3.19,
# which then fails with ENOSYS and the runner falls back to polling).
for f in "$TMP"/vg.*.log; do
    if grep -qE '^==[0-9]+==' "$f"; then
        echo "== $f"
        cat "$f"
        bad=1
    fi
done
if [ "$bad" -ne 0 ]; then
    echo "valgrind: errors or leaks found (above)"
    exit 1
fi
echo "valgrind: clean: $logs processes (devpulse, the four services), no errors, no leaks"
