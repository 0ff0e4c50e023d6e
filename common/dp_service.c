/* dp_service.c - signals, shutdown and the parts every service main shares */
/* SPDX-License-Identifier: MIT */
#include "dp_service.h"

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t s_interrupted = 0;

static void s_on_signal(int sig)
{
    if (sig == SIGINT && s_interrupted) {
        static const char msg[] = "second interrupt: exiting now\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        _exit(130);
    }
    s_interrupted = 1;
}

void dp_service_signals(void)
{
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
}

long long dp_service_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
