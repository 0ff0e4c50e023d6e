/* dp_bench.h - helpers the benchmarks share */
/* SPDX-License-Identifier: MIT */
#ifndef DP_BENCH_H
#define DP_BENCH_H

#include <stdarg.h>

#include "dp_mem.h"

/* A monotonic clock, in milliseconds. */
double dp_bench_now_ms(void);

/* Prints "<prog>: <formatted message>" and a newline on stderr. */
void dp_bench_vsay(const char *prog, const char *fmt, va_list ap)
    DP_PRINTF(2, 0);

/* Prints "<prog>: <formatted message>" on stderr and exits 1 (children
 * that a benchmark started with the tests' helpers get SIGTERM as it
 * dies). */
_Noreturn void dp_bench_die(const char *prog, const char *fmt, ...)
    DP_PRINTF(2, 3);

/* The directory of the running program (from /proc/self/exe), where the
 * services and the stand-in are built beside the benchmarks. The caller
 * frees it with dp_free; NULL when it cannot be read. */
char *dp_bench_bindir(void);

#endif
