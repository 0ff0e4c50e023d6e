#!/usr/bin/env bash
# test_ledger.sh - one-shot reports on a shared Redis: overlapping windows
# each get their report at the first try, nothing is left pending, no
# window is replayed, and every key the run leaves has a time to live
# SPDX-License-Identifier: MIT
set -u
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }

e2e_standin ledger --data "$DP_SOURCE_DIR/tests/data/busy" --port 0
e2e_redis
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN="" DP_LOG_LEVEL=info
export REDIS_URL="$REDIS_TEST_URL" DP_WATCH_S=60
rcli() { redis-cli -s "$E2E_TMP/redis.sock" "$@"; }
REPO=vllm-project/vllm

# run NAME FROM TO - one report into its own site; sets OUT and RC
run() {
    mkdir -p "$E2E_TMP/run-$1"
    OUT=$(TMPDIR="$E2E_TMP/run-$1" "$DP_BIN_DIR/devpulse" report "$REPO" \
        --from "$2" --to "$3" --out "$E2E_TMP/site" --lang en --timeout 60 \
        2>"$E2E_TMP/$1.err")
    RC=$?
}

# The busy hour, then the three hours that hold it, on one Redis: the long
# window overlaps three hourly windows already collected and must still
# count every item (today's header of the hour is in EXPECTED.md).
run hour 2025-12-15T06:00Z 2025-12-15T07:00Z
check "the hour is written" [ "$RC" -eq 0 ] && [ -f "$OUT" ]
HOUR=$OUT
run before1 2025-12-15T04:00Z 2025-12-15T05:00Z
run before2 2025-12-15T05:00Z 2025-12-15T06:00Z
run three 2025-12-15T04:00Z 2025-12-15T07:00Z
check "the three hours are written" [ "$RC" -eq 0 ] && [ -f "$OUT" ]
THREE=$OUT
# header FROM TO - the header line of counts taken straight from the raw
# data: issues and PRs created, closed and merged in [FROM, TO)
header() {
    local raw
    raw=$(jq -r --arg a "$1" --arg b "$2" '
        def inw(t): t != null and t >= $a and t < $b;
        [ (map(select(.pull_request == null and inw(.created_at))) | length),
          (map(select(.pull_request == null and inw(.closed_at))) | length),
          (map(select(.pull_request != null and inw(.created_at))) | length),
          (map(select(.pull_request != null and inw(.pull_request.merged_at))) | length),
          (map(select(.pull_request != null and inw(.closed_at)
                      and .pull_request.merged_at == null)) | length) ]
        | map(tostring) | join(" ")' "$DP_SOURCE_DIR/tests/data/busy/$REPO/issues.json")
    read -r ni ci np mp cp <<<"$raw"
    echo "New issues $ni | Closed issues $ci | New PRs $np | Merged PRs $mp | PRs closed unmerged $cp"
}
h3=$(header 2025-12-15T04:00:00Z 2025-12-15T07:00:00Z)
check "the three-hour header has the counts of the raw data ($h3)" \
    grep -qF "$h3" "$THREE"
check "the hour's counts are still those of EXPECTED.md" \
    grep -qF "New issues 73 | Closed issues 31 | New PRs 91 | Merged PRs 40 | PRs closed unmerged 12" "$HOUR"
span="2025-12-15T04:00:00Z..2025-12-15T07:00:00Z"
check "the long window was collected once: its report came at the first try" \
    [ "$(grep -c " $span: rev" "$E2E_TMP/three.err")" -eq 1 ]
check "no window was replayed" \
    bash -c "! grep -h 'replaying' '$E2E_TMP'/*.err"

# The week that holds them all (Monday to Monday), on the same Redis.
run week 2025-12-15T00:00Z 2025-12-22T00:00Z
check "the week is written" [ "$RC" -eq 0 ] && [ -f "$OUT" ]
hw=$(header 2025-12-15T00:00:00Z 2025-12-22T00:00:00Z)
check "the week's header has the counts of the raw data ($hw)" grep -qF "$hw" "$OUT"
span="2025-12-15T00:00:00Z..2025-12-22T00:00:00Z"
check "the week was collected once" \
    [ "$(grep -c " $span: rev" "$E2E_TMP/week.err")" -eq 1 ]

# Nothing is left pending for another stack to replay into its own site,
# and every key has a time to live.
check "nothing is pending after one-shot reports" [ "$(rcli ZCARD dp:2:pending)" = 0 ]
nottl=0
total=0
while read -r key; do
    [ -n "$key" ] || continue
    total=$((total + 1))
    ttl=$(rcli TTL "$key")
    if [ "$ttl" -lt 0 ]; then
        echo "no TTL: $key"
        nottl=$((nottl + 1))
    fi
done < <(rcli --scan)
check "every one of the $total keys has a time to live" [ "$nottl" -eq 0 ] && [ "$total" -gt 0 ]
check "no key of the old schema" [ -z "$(rcli --scan --pattern 'dp:1:*')" ]

# The same window again: no event is new, no window is replayed, the same
# report.
before=$(sed '/^### 🩺/,$d' "$THREE")
run again 2025-12-15T04:00Z 2025-12-15T07:00Z
check "the rerun writes the same report apart from the footer" \
    [ "$(sed '/^### 🩺/,$d' "$OUT")" = "$before" ]

e2e_finish
