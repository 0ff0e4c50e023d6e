/* dp_bench.c - helpers the benchmarks share */
/* SPDX-License-Identifier: MIT */
#include "dp_bench.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double dp_bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void dp_bench_vsay(const char *prog, const char *fmt, va_list ap)
{
    dp_buf_t msg = DP_BUF_INIT;
    dp_buf_vprintf(&msg, fmt, ap);
    fprintf(stderr, "%s: %s\n", prog, msg.data ? msg.data : "");
    dp_buf_free(&msg);
}

void dp_bench_die(const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dp_bench_vsay(prog, fmt, ap);
    va_end(ap);
    exit(1);
}

char *dp_bench_bindir(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    return dp_strdup(self);
}
