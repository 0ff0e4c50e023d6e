#!/usr/bin/env bash
# bench/run.sh - runs every built benchmark and gathers its figures
# SPDX-License-Identifier: MIT
#
# Usage: bash bench/run.sh [BIN_DIR] [RESULTS]   (from the source root)
#
# Runs each BIN_DIR/bench_* (default build/bin) with its output shown as it
# comes, then prints every figure again and writes them to RESULTS (default
# bench/results.json) as one flat JSON object. A figure is a line
# "name: value unit" (three words): name of lower-case letters, digits and
# '_', value a JSON number. A benchmark that fails, a figure named twice,
# or a figure that issue 11 asks for and no benchmark printed (unless
# BENCH_SKIP left some out) fails the run.
#
# Environment:
#   BENCH_SKIP           benchmarks not to run, space separated names
#   BENCH_REDIS_YEAR=1   bench_redis_size simulates the year too (~90 s;
#                        by default it stops after the month)
#   DP_BENCH_EVENTS, DP_BENCH_WINDOWS   sizes of bench_pipeline
set -euo pipefail

bin_dir=${1:-build/bin}
results=${2:-bench/results.json}
skip=" ${BENCH_SKIP:-} "
export DP_BENCH_REDIS_YEAR=${BENCH_REDIS_YEAR:-0}

required=(pipeline_events_per_s raw_events_per_s pipeline_vs_raw
          window_latency_p50_ms_1000 window_latency_p99_ms_1000
          rss_idle_mib_max rss_load_mib_max api_requests_busy_hour
          api_requests_quiet_hour repos_per_hour_one_token
          api_requests_500_repos_hour api_points_500_repos_hour
          report_100_quiet_repos_s window_50k_render_ms
          rss_50k_mib_summarizer rss_50k_mib_renderer collect_12k_s
          collect_12k_rss_mib collect_12k_bare_download_s
          collect_12k_vs_bare)

out=$(mktemp)
trap 'rm -f "$out" "$results.tmp"' EXIT

echo "== machine: $(nproc) cores, $(lscpu 2>/dev/null |
    sed -n 's/^Model name: *//p' | head -1), load average $(cut -d' ' -f1-3 \
    /proc/loadavg) at the start"
found=0
for b in "$bin_dir"/bench_*; do
    [ -x "$b" ] || continue
    name=$(basename "$b")
    if [[ "$skip" == *" $name "* ]]; then
        echo "== $name skipped (BENCH_SKIP)"
        continue
    fi
    found=1
    echo "== $name"
    "$b" | tee -a "$out"
done
if [ "$found" -eq 0 ]; then
    echo "bench/run.sh: no benchmarks in $bin_dir" >&2
    exit 1
fi

# name: value unit  ->  "name": value
awk -v results="$results.tmp" '
    BEGIN { n = 0; bad = 0 }
    NF == 3 && /^[a-z][a-z0-9_]*: / {
        name = substr($1, 1, length($1) - 1)
        value = $2
        if (value !~ /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/)
            next
        if (name in seen) {
            printf "bench/run.sh: figure %s printed twice\n", name > "/dev/stderr"
            bad = 1
            next
        }
        seen[name] = 1
        names[n] = name; values[n] = value; lines[n] = $0; n++
    }
    END {
        print "== figures"
        printf "{" > results
        for (i = 0; i < n; i++) {
            print lines[i]
            printf "%s\n  \"%s\": %s", (i ? "," : ""), names[i], values[i] > results
        }
        printf "\n}\n" > results
        exit bad
    }' "$out"

missing=()
for name in "${required[@]}"; do
    grep -q "\"$name\":" "$results.tmp" || missing+=("$name")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench/run.sh: no figure for: ${missing[*]}" >&2
    [ -n "${BENCH_SKIP:-}" ] || exit 1
fi
mv "$results.tmp" "$results"
echo "== wrote $results"
