/* dp_service.h - signals, shutdown and the parts every service main shares */
/* SPDX-License-Identifier: MIT */
#ifndef DP_SERVICE_H
#define DP_SERVICE_H

#include <stdbool.h>

#include "dp_err.h"

/* Installs SIGINT/SIGTERM handlers (sigaction, no SA_RESTART) that set the
 * interrupted flag and wake dp_service_sleep_ms; a second SIGINT exits at
 * once with status 130. SIGPIPE is ignored. */
void dp_service_signals(void);

/* True once SIGINT or SIGTERM arrived. */
bool dp_service_interrupted(void);

/* Sets the flag by hand (tests, fatal errors); wakes a sleeper. */
void dp_service_interrupt(void);

/* Sleeps ms milliseconds unless a stop comes first: every wait of a
 * service goes through here, so none holds up a shutdown. Wakes at once
 * on SIGINT/SIGTERM (a self-pipe written by the handler, whichever thread
 * took the signal) or dp_service_interrupt. Returns 0 after the whole
 * time, or DP_EAGAIN when a stop cut it short (or had already come). */
int dp_service_sleep_ms(long ms);

/* A descriptor that becomes readable on a stop (SIGINT, SIGTERM,
 * dp_service_interrupt) and stays readable after it, for a poll that
 * waits on sockets: add it to the poll set and a stop ends the wait at
 * once. -1 before dp_service_signals (or when its pipe could not be
 * made): the caller then waits with a bounded timeout only. Borrowed:
 * never read or close it. */
int dp_service_stop_fd(void);

/* Monotonic milliseconds, for timers. */
long long dp_service_now_ms(void);

#endif
