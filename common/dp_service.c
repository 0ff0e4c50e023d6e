/* dp_service.c - signals, shutdown and the parts every service main shares */
/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* pipe2 */
#include "dp_service.h"
#include "dp_metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DP_SERVICE_SLICE_MS 50 /* longest nap without the self-pipe */

static volatile sig_atomic_t s_interrupted = 0;
/* The self-pipe: the handler writes a byte, sleepers poll the read end.
 * Both ends are non-blocking and close on exec; -1 until the signals are
 * installed. */
static int s_wake[2] = {-1, -1};

static void s_wake_up(void)
{
    if (s_wake[1] >= 0) {
        int saved = errno; /* the handler must not change errno */
        ssize_t w = write(s_wake[1], "x", 1);
        (void)w; /* a full pipe is awake already */
        errno = saved;
    }
}

static void s_on_signal(int sig)
{
    if (sig == SIGINT && s_interrupted) {
        static const char msg[] = "second interrupt: exiting now\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        _exit(130);
    }
    s_interrupted = 1;
    s_wake_up();
}

void dp_service_signals(void)
{
    if (s_wake[0] < 0 && pipe2(s_wake, O_CLOEXEC | O_NONBLOCK) != 0)
        s_wake[0] = s_wake[1] = -1; /* sleeps fall back to short naps */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool dp_service_interrupted(void)
{
    return s_interrupted != 0;
}

void dp_service_interrupt(void)
{
    s_interrupted = 1;
    s_wake_up();
}

int dp_service_sleep_ms(long ms)
{
    long long until = dp_service_now_ms() + (ms > 0 ? ms : 0);
    for (;;) {
        dp_metrics_tick(); /* a wait of the loop (a backoff) is no stall */
        if (s_interrupted)
            return DP_EAGAIN;
        long long left = until - dp_service_now_ms();
        if (left <= 0)
            return 0;
        if (s_wake[0] >= 0) {
            /* The byte stays in the pipe: a stop is for good, so every
             * later sleep returns at once too. */
            struct pollfd p = {.fd = s_wake[0], .events = POLLIN};
            (void)poll(&p, 1, (int)(left > 1000 ? 1000 : left));
        } else {
            long nap = left > DP_SERVICE_SLICE_MS ? DP_SERVICE_SLICE_MS : left;
            struct timespec ts = {0, nap * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
}

int dp_service_stop_fd(void)
{
    return s_wake[0];
}

long long dp_service_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
