/* health.c - devpulse health URL: a probe for container health checks */
/* SPDX-License-Identifier: MIT */
#include "health.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define HEALTH_BODY_KEEP 200 /* bytes of the body kept for the message */

/* The start of the body, the rest counted and dropped. */
typedef struct {
    char text[HEALTH_BODY_KEEP + 1];
    size_t len;
} s_body_t;

static size_t s_on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    s_body_t *b = userp;
    size_t n = size * nmemb;
    size_t room = HEALTH_BODY_KEEP - b->len;
    size_t take = n < room ? n : room;
    memcpy(b->text + b->len, data, take);
    b->len += take;
    b->text[b->len] = '\0';
    return n;
}

/* Cuts the body at its first line and makes it printable. */
static const char *s_first_line(s_body_t *b)
{
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)b->text[i];
        if (c == '\n' || c == '\r') {
            b->text[i] = '\0';
            break;
        }
        if (c < 0x20 || c == 0x7f)
            b->text[i] = '?';
    }
    return b->text;
}

int health_main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: devpulse health URL   (exit 0 when it "
                        "answers 200 within 3 s)\n");
        return 2;
    }
    const char *url = argv[1];
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "devpulse health: cannot initialize libcurl\n");
        return 1;
    }
    CURL *c = curl_easy_init();
    int rc = 1;
    s_body_t body = {.len = 0};
    if (!c) {
        fprintf(stderr, "devpulse health: cannot initialize libcurl\n");
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)HEALTH_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "devpulse-health");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    if (cc != CURLE_OK) {
        fprintf(stderr, "devpulse health: %s: %s\n", url,
                curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200) {
        rc = 0;
        goto out;
    }
    const char *line = s_first_line(&body);
    fprintf(stderr, "devpulse health: %s: HTTP %ld%s%s\n", url, status,
            *line ? ": " : "", line);
out:
    if (c)
        curl_easy_cleanup(c);
    curl_global_cleanup();
    return rc;
}
