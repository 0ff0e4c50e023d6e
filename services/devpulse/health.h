/* health.h - devpulse health URL: a probe for container health checks */
/* SPDX-License-Identifier: MIT */
#ifndef HEALTH_H
#define HEALTH_H

/* Seconds a probe waits for its answer, in all. */
#define HEALTH_TIMEOUT_S 3

/* devpulse health URL: GETs URL (http or https, no redirect followed)
 * within HEALTH_TIMEOUT_S. Returns 0 when it answered 200; otherwise
 * prints one line on stderr saying why (the status and the first line of
 * the body, or the transfer error) and returns 1; 2 for a bad command
 * line. argv[0] is "health". */
int health_main(int argc, char **argv);

#endif
