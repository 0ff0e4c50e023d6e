/* dp_tkcollector.c - the collector engine on ipc:// sockets, for
 * integration tests */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dp_tkcollector.h"

#include <time.h>
#include <zmq.h>

#include "dp_mem.h"
#include "dp_testkit.h"

collector_t *dp_tk_collector_start(dp_bus_t *bus, const char *dir,
                                   collector_cfg_t *cfg, int join_ms,
                                   dp_sock_t **pull, dp_sock_t **sub)
{
    *pull = dp_tk_ipc_sock(bus, ZMQ_PULL, "@", dir, "out");
    char *ctl = dp_asprintf("@ipc://%s/ctl", dir);
    char *out = dp_asprintf(">ipc://%s/out", dir);
    char *pub = dp_asprintf("@ipc://%s/pub", dir);
    cfg->ctl_endpoint = ctl;
    cfg->out_endpoint = out;
    cfg->pub_endpoint = pub;
    collector_t *collector = collector_new(cfg);
    cfg->ctl_endpoint = cfg->out_endpoint = cfg->pub_endpoint = NULL;
    dp_free(ctl);
    dp_free(out);
    dp_free(pub);
    assert_non_null(collector);
    *sub = dp_tk_ipc_sock(bus, ZMQ_SUB, ">", dir, "pub");
    assert_int_equal(dp_sock_subscribe(*sub, "status."), 0);
    struct timespec ts = {join_ms / 1000, (long)(join_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return collector;
}

collector_cfg_t dp_tk_collector_cfg(const char *api_url, const char *tokens,
                                    const char *redis_url)
{
    const long frame = 16L * 1024 * 1024;
    collector_cfg_t cfg = {
        .api_url = api_url,
        .tokens = tokens,
        .redis_url = redis_url,
        .per_page = 10,
        .max_pages = 100,
        .timeout_ms = 5000,
        .max_retries = 2,
        .retry_base_ms = 2,
        .max_wait_s = 5,
        .max_text = 1000,
        .max_body = frame,
        .cache_ttl_s = 3600,
        .max_frame = frame,
        .max_events = 100000,
        .pr_details = false,
    };
    return cfg;
}
