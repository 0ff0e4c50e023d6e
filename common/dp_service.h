/* dp_service.h - signals, shutdown and the parts every service main shares */
/* SPDX-License-Identifier: MIT */
#ifndef DP_SERVICE_H
#define DP_SERVICE_H

#include <stdbool.h>

/* Installs SIGINT/SIGTERM handlers (sigaction, no SA_RESTART) that set the
 * interrupted flag; a second SIGINT exits at once with status 130. SIGPIPE
 * is ignored. */
void dp_service_signals(void);

/* True once SIGINT or SIGTERM arrived. */
bool dp_service_interrupted(void);

/* Sets the flag by hand (tests, fatal errors). */
void dp_service_interrupt(void);

/* Monotonic milliseconds, for timers. */
long long dp_service_now_ms(void);

#endif
