/* standin_net.h - what the HTTP stand-ins of the tests share */
/* SPDX-License-Identifier: MIT */
#ifndef STANDIN_NET_H
#define STANDIN_NET_H

/* Opens a listening TCP socket on host (an IPv4 address, NULL for
 * 127.0.0.1) and port (0: any free port), and writes the port bound into
 * *bound. Returns the descriptor, or -1 with errno set. */
int standin_listen(const char *host, long long port, unsigned *bound);

#endif
