#!/usr/bin/env bash
# scripts/fuzz.sh - build the libFuzzer harnesses of fuzz/ and run each one
# SPDX-License-Identifier: MIT
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   run each target that long
#                                               (default 60; make fuzz)
#        scripts/fuzz.sh --smoke                a fixed number of runs per
#                                               target, seed 1 (make check)
#
# Configures build-fuzz/ with clang and -DDP_FUZZ=ON (the project's own
# sanitizer options off: the fuzz targets carry -fsanitize=fuzzer,address,
# undefined themselves) and builds only the fuzzers. Each target starts from
# its seeds in fuzz/corpus/<name>/, which it only reads; what it finds goes
# to build-fuzz/corpus/<name>/ (timed runs, kept from one run to the next)
# or to a fresh build-fuzz/smoke/<name>/ (smoke runs, so they are the same
# every time). Prints one line per target, and for a crash, leak, timeout
# or sanitizer report the input that caused it (build-fuzz/artifacts/) and
# the log; exits 1 when any target failed. Then replays the inputs of known,
# open bugs kept in fuzz/crashes/ and says whether each still reproduces
# (that does not fail the run). Replay an input with
# `build-fuzz/bin/fuzz_<name> FILE`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=build-fuzz
TARGETS=(msg gh_normalize link yaml config rules renderer)
SMOKE_RUNS=20000
TIMEOUT_S=25 # one input running longer than this is a failure
RSS_MB=2048

usage()
{
    echo "usage: $0 [SECONDS_PER_TARGET | --smoke]" >&2
    exit 2
}

mode=time
seconds=60
case "${1:-}" in
--smoke) mode=smoke ;;
'') ;;
*[!0-9]*) usage ;;
*) seconds=$1 ;;
esac
[ "$#" -le 1 ] || usage

if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz.sh: clang not found (make deps installs it)" >&2
    exit 1
fi

mkdir -p "$BUILD_DIR"
build_log=$BUILD_DIR/fuzz-build.log
if ! {
    CC=clang cmake -S . -B "$BUILD_DIR" -DCMAKE_C_COMPILER=clang \
        -DCMAKE_BUILD_TYPE=Debug -DDP_FUZZ=ON -DDP_ASAN=OFF -DDP_UBSAN=OFF &&
        cmake --build "$BUILD_DIR" -j"$(nproc 2>/dev/null || echo 2)" \
            --target fuzzers
} >"$build_log" 2>&1; then
    tail -n 40 "$build_log" >&2
    echo "fuzz.sh: building the fuzzers failed; see $build_log" >&2
    exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The value of "stat::NAME: VALUE" in a libFuzzer log, or "?".
stat()
{
    local v
    v=$(sed -n "s/^stat::$1:[[:space:]]*//p" "$2" | tail -n 1)
    echo "${v:-?}"
}

failed=0
for name in "${TARGETS[@]}"; do
    bin=$BUILD_DIR/bin/fuzz_$name
    seeds=fuzz/corpus/$name
    artifacts=$BUILD_DIR/artifacts/$name
    log=$BUILD_DIR/logs/$name.log
    mkdir -p "$artifacts" "$BUILD_DIR/logs"
    if [ "$mode" = smoke ]; then
        corpus=$BUILD_DIR/smoke/$name
        rm -rf "$corpus"
        limits=(-runs="$SMOKE_RUNS" -seed=1)
    else
        corpus=$BUILD_DIR/corpus/$name
        limits=(-max_total_time="$seconds")
    fi
    mkdir -p "$corpus"

    start=$(date +%s)
    rc=0
    "$bin" "${limits[@]}" -timeout="$TIMEOUT_S" -rss_limit_mb="$RSS_MB" \
        -artifact_prefix="$artifacts/" -print_final_stats=1 \
        "$corpus" "$seeds" >"$log" 2>&1 || rc=$?
    elapsed=$(($(date +%s) - start))

    # The last status line: "#N  DONE  cov: C ft: F corp: K/Sb ...".
    status=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
    corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$status")
    runs=$(stat number_of_executed_units "$log")
    speed=$(stat average_exec_per_sec "$log")

    # libFuzzer says 0 exec/s for runs under a second.
    rate=""
    if [ "$speed" != "?" ] && [ "$speed" -gt 0 ]; then
        rate=" ($speed exec/s)"
    fi

    if [ "$rc" -eq 0 ]; then
        printf 'fuzz_%s: ok, %s runs in %ss%s, cov %s, ft %s, corpus %s\n' \
            "$name" "$runs" "$elapsed" "$rate" "${cov:-?}" "${ft:-?}" \
            "${corp:-?}"
        continue
    fi
    failed=1
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    what=$(grep -m 1 -E '^(SUMMARY:|==[0-9]+== ?ERROR:)|^fuzz_[a-z_]+: ' \
        "$log" || true)
    printf 'fuzz_%s: FAILED (exit %s) after %ss: %s\n' "$name" "$rc" \
        "$elapsed" "${what:-see the log}"
    printf 'fuzz_%s:   input %s\n' "$name" "${input:-(none written)}"
    printf 'fuzz_%s:   log %s\n' "$name" "$log"
done

# fuzz/crashes/<name>-<what> holds inputs of open bugs that a harness found
# (fuzz/crashes/README.md says what each one is). They are replayed and
# reported on every run without failing it: the fix is what turns them
# around, and then the file goes.
for input in fuzz/crashes/*; do
    base=$(basename "$input")
    name=
    for t in "${TARGETS[@]}"; do
        case "$base" in "$t"-*) name=$t ;; esac
    done
    [ -n "$name" ] || continue
    if "$BUILD_DIR/bin/fuzz_$name" "$input" >"$BUILD_DIR/logs/known-$base.log" 2>&1; then
        echo "fuzz_$name: known bug $input no longer reproduces; if it is fixed, delete the file"
    else
        echo "fuzz_$name: known bug $input still reproduces (open, see fuzz/crashes/README.md)"
    fi
done

if [ "$failed" -ne 0 ]; then
    echo "fuzz.sh: a fuzz target failed; replay with build-fuzz/bin/fuzz_<name> <input>" >&2
    exit 1
fi
