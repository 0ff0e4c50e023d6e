/* gh_standin.c - a GitHub REST API stand-in on 127.0.0.1 for the tests */
/* SPDX-License-Identifier: MIT */

/*
 * gh-standin serves a directory of JSON files the way api.github.com
 * serves repositories: issue listings with `since`, sorting and Link
 * pagination (with GitHub's switch to /repositories/<id>/ URLs), issue
 * comments, pull requests, repositories, /rate_limit, weak ETags with
 * conditional requests, rate-limit headers, an optional token check and
 * injected faults. It prints its base URL on stdout and serves until
 * SIGINT or SIGTERM.
 *
 * Dataset layout, read once at start:
 *   DIR/<owner>/<repo>/issues.json       array, as GET /repos/o/r/issues
 *   DIR/<owner>/<repo>/repo.json         optional, as GET /repos/o/r
 *                                        (and in GET /orgs/<owner>/repos)
 *   DIR/<owner>/<repo>/pulls/<n>.json    optional, as GET /repos/o/r/pulls/n
 *   DIR/<owner>/<repo>/pulls/<n>.files.json optional, as GET .../pulls/n/files
 *   DIR/<owner>/<repo>/reviews/<n>.json  optional, as GET .../pulls/n/reviews
 *   DIR/<owner>/<repo>/comments/<n>.json optional, as GET .../issues/n/comments
 *   DIR/<owner>/<repo>/releases.json     optional array, as GET .../releases
 *                                        lists it (newest first, in file
 *                                        order; none without the file)
 *
 * A pull request without a files or reviews file answers an empty list
 * (GitHub does so for a PR without reviews); a number that is no pull
 * request answers 404.
 *
 * Bodies GitHub may send but jansson cannot hold: in a dataset file, the
 * string "<standin:int-overflow>" is served as an integer beyond 64 bits,
 * and "<standin:bad-utf8>" inside a string as the byte 0xFF (not UTF-8).
 * With --max-page N, a listing page deeper than N answers 422, as GitHub
 * answers for deep pages of large listings.
 *
 * A hostile API, for the tests that prove the token stays home: with
 * --link-base URL, Link headers name URL instead of the stand-in's own base
 * ("{port}" in it stands for the port bound), so a next page may sit on
 * another host, port, scheme or path; a `redirect` fault answers
 * 301/302/307/308 with a Location below --redirect-to (default: the
 * stand-in's own base, and /repos/o/r becomes /repositories/<id> as GitHub
 * does for a renamed repository); a `ratehdr` fault sends the rate-limit
 * headers it is given verbatim (huge, negative, garbage). --host binds
 * another loopback address (127.0.0.2 stands for a foreign host), and
 * /_standin/stats counts the requests that carried an Authorization header
 * ("authorization"), so a test sees whether a token arrived.
 *
 * GraphQL: POST /graphql (or /api/graphql beside an /api/v3 prefix, as
 * GitHub Enterprise Server serves it) answers the query devpulse sends for
 * pull request details (services/collector/gh_graphql.h): rateLimit and
 * repository(owner, name) { <alias>: pullRequest(number) { files(first)
 * reviews(first) } }, from the same pulls/<n>.files.json and
 * reviews/<n>.json files, shaped as GitHub's GraphQL answers them (a Bot's
 * login without "[bot]", NOT_FOUND errors beside null data). Every query
 * is first validated against GitHub's published schema by node and
 * tests/standin/graphql/validate.js (--graphql-validator; once per distinct
 * text), and a query GitHub would refuse is refused the same way: 200 with
 * "errors" and no data. Without a token GraphQL answers 401, as GitHub
 * does; --no-graphql answers 404 (GitHub Enterprise without GraphQL). The
 * validator starts with the first query, which waits a second or more for
 * node to read the schema; --graphql-warm starts it before the URL is
 * printed, for clients with short timeouts. A
 * query costs max(1, connections / 100) points, counted apart from the
 * REST limit (/_standin/stats "graphql_points").
 *
 * Threads: MHD runs one thread per connection; every request is handled
 * under one mutex, except the sleep of a `hang` fault.
 */

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "dp_log.h"
#include "dp_mem.h"
#include "standin_net.h"

/* ==== Limits and defaults ==== */

#define S_FILE_MAX (64L * 1024 * 1024) /* largest dataset file read */
#define S_QUERY_MAX 64                 /* query parameters kept */
#define S_SEGMENTS_MAX 8               /* path segments routed */
#define S_BY_PATH_MAX 4096             /* distinct paths in the stats */
#define S_FAULTS_MAX 64                /* --fault options */
#define S_PER_PAGE_DEFAULT 30          /* GitHub's default page size */
#define S_RATE_LIMIT_DEFAULT 5000      /* GitHub's authenticated limit */
#define S_RATE_WINDOW_S 3600           /* rate-limit window length */
#define S_HANG_SLICE_MS 50             /* a hang checks for shutdown */
#define S_READ_BLOCK 4096              /* truncated-body block size */
#define S_CONN_LIMIT 512               /* concurrent connections */
#define S_CONN_TIMEOUT_S 60            /* idle connection timeout */
#define S_REPO_ID_BASE 100000000LL     /* derived repository ids */
#define S_REPO_ID_SPAN 900000000ULL
#define S_POLL_INTERVAL_DEFAULT 60 /* GitHub's X-Poll-Interval of events */
#define S_EVENTS_MAX 300           /* events a repository's feed keeps */

#define S_HTTP_UNPROCESSABLE 422 /* "Validation Failed" */
#define S_SPOIL_MARK "<standin:"
#define S_SPOIL_INT "\"<standin:int-overflow>\""
#define S_SPOIL_INT_AS "184467440737095516160" /* ten times 2^64 */
#define S_SPOIL_UTF8 "<standin:bad-utf8>"
#define S_SPOIL_UTF8_AS "\xff"
#define S_JSON_TYPE "application/json; charset=utf-8"
#define S_HTML_TYPE "text/html"
#define S_DOC_URL "https://docs.github.com/rest"
#define S_GQL_DOC_URL "https://docs.github.com/graphql"
#define S_GQL_BODY_MAX (1024L * 1024) /* largest GraphQL request body */
#define S_GQL_LIMIT 5000              /* GraphQL points an hour */
#define S_GQL_FIRST_DEFAULT 100       /* nodes when a query names none */
#define S_GQL_COST_UNIT 100           /* connections per point */
#define S_GQL_NAME_MAX 128            /* alias and variable names */
#ifndef S_GQL_VALIDATOR
#define S_GQL_VALIDATOR "tests/standin/graphql/validate.js"
#endif

/* ==== Types ==== */

typedef struct {
    json_t *json;       /* borrowed from the repository's issue array */
    long long number;   /* issue or pull request number */
    int64_t created;    /* created_at, epoch seconds (0 when absent) */
    int64_t updated;    /* updated_at, epoch seconds */
    long long comments; /* the "comments" count */
    int open;           /* state is "open" */
} item_t;

typedef struct {
    long long number; /* from the file name */
    json_t *json;     /* owned */
} numbered_t;

typedef struct {
    char *owner;          /* directory name */
    char *name;           /* directory name */
    long long id;         /* repo.json "id" or derived from the name */
    json_t *repo;         /* repo.json, or NULL */
    json_t *releases;     /* releases.json, or NULL */
    json_t *issues;       /* owned array (possibly empty) */
    item_t *items;        /* one per element of issues */
    size_t n_items;       /* number of items */
    numbered_t *pulls;    /* pulls/<n>.json */
    size_t n_pulls;       /* number of pulls */
    numbered_t *comments; /* comments/<n>.json */
    size_t n_comments;    /* number of comment files */
    numbered_t *files;    /* pulls/<n>.files.json */
    size_t n_files;       /* number of files lists */
    numbered_t *reviews;  /* reviews/<n>.json */
    size_t n_reviews;     /* number of review lists */
} repo_t;

enum {
    S_FAULT_STATUS,
    S_FAULT_HTML503,
    S_FAULT_SECONDARY,
    S_FAULT_R429,
    S_FAULT_HANG,
    S_FAULT_TRUNCATE,
    S_FAULT_GARBAGE,
    S_FAULT_REDIRECT,
    S_FAULT_RATEHDR
};

typedef struct {
    char *substr;   /* matched against the path without query */
    int kind;       /* S_FAULT_* */
    long long left; /* requests still to fault; -1 = forever */
    long long arg;  /* status, retry-after seconds, or hang ms */
    int short_body; /* truncate: send a consistent short body */
    char *headers;  /* ratehdr: "name=value|name=value", sent verbatim */
} fault_t;

typedef struct {
    char *key;   /* percent-decoded */
    char *value; /* percent-decoded */
} param_t;

typedef struct {
    param_t p[S_QUERY_MAX]; /* in request order */
    size_t n;               /* number used */
} query_t;

enum { S_TRUNC_NONE = 0, S_TRUNC_CUT, S_TRUNC_SHORT };

typedef struct {
    int status;               /* HTTP status */
    dp_buf_t body;            /* response body */
    const char *content_type; /* static string */
    char *link;               /* Link header value, owned, or NULL */
    long long retry_after;    /* retry-after seconds, -1 when none */
    int cacheable;            /* a 200 that may become a 304 */
    int truncate;             /* S_TRUNC_* */
    int free_request;         /* does not consume rate limit */
    int graphql;              /* a GraphQL query: points, not core */
    char *location;           /* Location header value, owned, or NULL */
    const char *raw_headers;  /* "name=value|..." from a ratehdr fault */
    long long poll_interval;  /* X-Poll-Interval seconds, 0 for none */
} reply_t;

typedef struct {
    char *uri;     /* raw request URI, path and query */
    int started;   /* first handler call seen */
    dp_buf_t body; /* request body, up to S_GQL_BODY_MAX */
    int too_big;   /* the body was longer */
} req_t;

typedef struct {
    /* configuration, fixed after start */
    char *data_dir;               /* --data */
    char *prefix;                 /* --prefix, "" or "/api/v3" */
    char *token;                  /* --token, or NULL */
    long long per_page_max;       /* --per-page-max */
    long long max_page;           /* --max-page, 0 for no bound */
    long long rate_limit;         /* --rate-limit */
    int verbose;                  /* --verbose */
    char base_url[256];           /* printed on stdout */
    char *host;                   /* --host, a loopback address */
    char *link_base;              /* --link-base, "{port}" expanded */
    char *redirect_to;            /* --redirect-to, or NULL (own base) */
    fault_t faults[S_FAULTS_MAX]; /* --fault, in order */
    char *gql_path;               /* /graphql or /api/graphql */
    char *validator;              /* --graphql-validator script */
    int no_graphql;               /* --no-graphql: answer 404 */
    int gql_warm;                 /* --graphql-warm: validator first */
    long long poll_interval;      /* --poll-interval: of events listings */
    size_t n_faults;              /* number of faults */
    repo_t *repos;                /* the dataset */
    size_t n_repos;               /* number of repositories */

    /* state, guarded by lock */
    pthread_mutex_t lock;    /* one lock for all request handling */
    long long requests;      /* requests answered, /_standin excluded */
    long long counted;       /* requests that consumed rate limit */
    long long not_modified;  /* 304 answers */
    long long authorization; /* requests with an Authorization header */
    long long serial;        /* x-github-request-id source */
    json_t *by_path;         /* path -> count */
    json_t *by_status;       /* status -> count */
    long long used;          /* rate limit used in this window */
    int64_t reset_at;        /* end of the rate-limit window */
    long long gql_points;    /* GraphQL points spent */
    pid_t vpid;              /* the validator, 0 before its start */
    FILE *vin, *vout;        /* its stdin and stdout */
    json_t *vcache;          /* query text -> array of error messages */
} server_t;

static volatile sig_atomic_t s_stopping; /* set once shutdown begins */

/* ==== Small helpers ==== */

/* Parses a whole decimal integer within [min, max]. */
static int s_parse_ll(const char *s, long long min, long long max,
                      long long *out)
{
    if (!s || !*s)
        return -1;
    for (const char *p = s; *p; p++)
        if ((*p < '0' || *p > '9') && !(p == s && *p == '-'))
            return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno || !end || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Reads n digits at s into *out. */
static int s_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/*
 * Parses ISO 8601 as GitHub accepts it: YYYY-MM-DD, or
 * YYYY-MM-DDTHH:MM[:SS[.fff]] followed by Z or +HH:MM / -HH:MM
 * (no zone means UTC). Returns 0 and the epoch seconds, or -1.
 */
static int s_parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!s || strlen(s) < 10 || s_digits(s, 4, &y) || s[4] != '-' ||
        s_digits(s + 5, 2, &mo) || s[7] != '-' || s_digits(s + 8, 2, &d))
        return -1;
    const char *p = s + 10;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (s_digits(p + 1, 2, &h) || p[3] != ':' || s_digits(p + 4, 2, &mi))
            return -1;
        p += 6;
        if (*p == ':') {
            if (s_digits(p + 1, 2, &sec))
                return -1;
            p += 3;
            if (*p == '.') {
                p++;
                if (*p < '0' || *p > '9')
                    return -1;
                while (*p >= '0' && *p <= '9')
                    p++;
            }
        }
    }
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (s_digits(p + 1, 2, &oh) || p[3] != ':' || s_digits(p + 4, 2, &om))
            return -1;
        offset = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    *out = s_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 +
           (int64_t)mi * 60 + sec - offset;
    return 0;
}

/* The epoch seconds of a JSON string member, or 0. */
static int64_t s_json_time(json_t *obj, const char *key)
{
    int64_t t = 0;
    const char *v = json_string_value(json_object_get(obj, key));
    if (v && s_parse_time(v, &t) < 0)
        t = 0;
    return t;
}

/* 64-bit FNV-1a from a given offset basis. */
static uint64_t s_fnv64(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* A weak ETag for a body: W/"<32 hex digits>". */
static void s_etag(const char *body, size_t len, char *out, size_t size)
{
    uint64_t a = s_fnv64(body, len, 0xcbf29ce484222325ULL);
    uint64_t b = s_fnv64(body, len, 0x84222325cbf29ce4ULL);
    snprintf(out, size, "W/\"%016" PRIx64 "%016" PRIx64 "\"", a, b);
}

/* Strips spaces and a W/ prefix from one entity tag of a list. */
static void s_etag_core(const char *s, size_t len, const char **core,
                        size_t *core_len)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= 2 && (s[0] == 'W' || s[0] == 'w') && s[1] == '/') {
        s += 2;
        len -= 2;
    }
    *core = s;
    *core_len = len;
}

/* Does an If-None-Match value name this ETag? W/ prefixes are ignored. */
static int s_etag_matches(const char *header, const char *etag)
{
    const char *want;
    size_t want_len;
    s_etag_core(etag, strlen(etag), &want, &want_len);
    const char *p = header;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *got;
        size_t got_len;
        s_etag_core(p, len, &got, &got_len);
        if (got_len == 1 && got[0] == '*')
            return 1;
        if (got_len == want_len && memcmp(got, want, got_len) == 0)
            return 1;
        /* tolerate a bare, unquoted tag */
        if (want_len >= 2 && got_len == want_len - 2 &&
            memcmp(got, want + 1, got_len) == 0)
            return 1;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

static int s_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX and '+' of a query component into a new string. */
static char *s_url_decode(const char *s, size_t len)
{
    char *out = dp_malloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && s_hex(s[i + 1]) >= 0 &&
            s_hex(s[i + 2]) >= 0) {
            out[o++] = (char)(s_hex(s[i + 1]) * 16 + s_hex(s[i + 2]));
            i += 2;
        } else if (s[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

/* Appends s percent-encoded as GitHub writes its Link URLs. */
static void s_url_encode(dp_buf_t *buf, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
            *p == '~') {
            dp_buf_append(buf, p, 1);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            dp_buf_append(buf, esc, sizeof esc);
        }
    }
}

/* Sleeps ms milliseconds in slices, returning early on shutdown. */
static void s_sleep_ms(long long ms)
{
    while (ms > 0 && !s_stopping) {
        long long step = ms < S_HANG_SLICE_MS ? ms : S_HANG_SLICE_MS;
        struct timespec ts = {(time_t)(step / 1000),
                              (long)(step % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* ==== Query strings ==== */

/* Splits the query of a raw URI into decoded parameters. */
static void s_query_parse(query_t *q, const char *uri)
{
    q->n = 0;
    const char *p = strchr(uri, '?');
    if (!p)
        return;
    p++;
    while (*p && q->n < S_QUERY_MAX) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len) {
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? (size_t)(eq - p) : len;
            q->p[q->n].key = s_url_decode(p, klen);
            q->p[q->n].value =
                eq ? s_url_decode(eq + 1, len - klen - 1) : dp_strdup("");
            q->n++;
        }
        if (!amp)
            break;
        p = amp + 1;
    }
}

static void s_query_free(query_t *q)
{
    for (size_t i = 0; i < q->n; i++) {
        dp_free(q->p[i].key);
        dp_free(q->p[i].value);
    }
    q->n = 0;
}

/* The first value of key, or NULL; borrowed. */
static const char *s_query_get(const query_t *q, const char *key)
{
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->p[i].key, key) == 0)
            return q->p[i].value;
    return NULL;
}

/* ==== Dataset ==== */

/* Loads one JSON file of at most S_FILE_MAX bytes; NULL on error. */
static json_t *s_load_json(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "gh-standin: cannot read %s\n", path);
        return NULL;
    }
    if (st.st_size > S_FILE_MAX) {
        fprintf(stderr, "gh-standin: %s is larger than %ld bytes\n", path,
                S_FILE_MAX);
        return NULL;
    }
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        fprintf(stderr, "gh-standin: %s:%d: %s\n", path, err.line, err.text);
    return j;
}

static int s_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int s_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Parses "<n>.json"; returns 0 and n, or -1 for other names. */
/* Reads the number of "<n><suffix>" ("30385.json", "30385.files.json"). */
static int s_numbered_name(const char *name, const char *suffix, long long *n)
{
    size_t len = strlen(name), slen = strlen(suffix);
    if (len < slen + 1 || len > 30 || strcmp(name + len - slen, suffix) != 0)
        return -1;
    char digits[32];
    memcpy(digits, name, len - slen);
    digits[len - slen] = '\0';
    if (digits[0] == '-')
        return -1;
    return s_parse_ll(digits, 0, INT64_MAX, n);
}

/* Loads DIR/<n><suffix> files, each checked to be of the given type. */
static int s_load_numbered(const char *dir, const char *suffix, json_type type,
                           numbered_t **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (!s_is_dir(dir))
        return 0;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "gh-standin: cannot open %s\n", dir);
        return -1;
    }
    size_t cap = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        long long n;
        if (s_numbered_name(e->d_name, suffix, &n) < 0)
            continue;
        char *path = dp_asprintf("%s/%s", dir, e->d_name);
        json_t *j = s_load_json(path);
        if (j && json_typeof(j) != type) {
            fprintf(stderr, "gh-standin: %s: expected a JSON %s\n", path,
                    type == JSON_ARRAY ? "array" : "object");
            json_decref(j);
            j = NULL;
        }
        dp_free(path);
        if (!j) {
            rc = -1;
            break;
        }
        if (*n_out == cap) {
            cap = cap ? cap * 2 : 16;
            *out = dp_realloc(*out, cap * sizeof **out);
        }
        (*out)[*n_out].number = n;
        (*out)[*n_out].json = j;
        (*n_out)++;
    }
    closedir(d);
    return rc;
}

/* A stable id for a repository without repo.json. */
static long long s_derived_id(const char *owner, const char *name)
{
    uint64_t h = s_fnv64(owner, strlen(owner), 0xcbf29ce484222325ULL);
    h = s_fnv64("/", 1, h);
    h = s_fnv64(name, strlen(name), h);
    return S_REPO_ID_BASE + (long long)(h % S_REPO_ID_SPAN);
}

/* Loads the issue array of DIR/<owner>/<name>/issues.json, if any. */
static int s_repo_load_issues(repo_t *repo, const char *path)
{
    if (s_is_file(path)) {
        repo->issues = s_load_json(path);
        if (!repo->issues)
            return -1;
        if (!json_is_array(repo->issues)) {
            fprintf(stderr, "gh-standin: %s: expected a JSON array\n", path);
            return -1;
        }
    } else {
        repo->issues = json_array();
    }
    repo->n_items = json_array_size(repo->issues);
    repo->items =
        dp_calloc(repo->n_items ? repo->n_items : 1, sizeof *repo->items);
    for (size_t i = 0; i < repo->n_items; i++) {
        json_t *it = json_array_get(repo->issues, i);
        json_t *num = json_object_get(it, "number");
        if (!json_is_object(it) || !json_is_integer(num)) {
            fprintf(stderr, "gh-standin: %s: item %zu has no number\n", path,
                    i);
            return -1;
        }
        item_t *x = &repo->items[i];
        x->json = it;
        x->number = json_integer_value(num);
        x->created = s_json_time(it, "created_at");
        x->updated = s_json_time(it, "updated_at");
        x->comments = json_integer_value(json_object_get(it, "comments"));
        const char *state = json_string_value(json_object_get(it, "state"));
        x->open = !state || strcmp(state, "open") == 0;
    }
    return 0;
}

/* Loads repo.json, if any, and the repository id. */
static int s_repo_load_meta(repo_t *repo, const char *path)
{
    repo->id = s_derived_id(repo->owner, repo->name);
    if (!s_is_file(path))
        return 0;
    repo->repo = s_load_json(path);
    if (!repo->repo || !json_is_object(repo->repo)) {
        fprintf(stderr, "gh-standin: %s: expected a JSON object\n", path);
        return -1;
    }
    json_t *id = json_object_get(repo->repo, "id");
    if (json_is_integer(id))
        repo->id = json_integer_value(id);
    return 0;
}

/* Loads releases.json, if any. */
static int s_repo_load_releases(repo_t *repo, const char *path)
{
    if (!s_is_file(path))
        return 0;
    repo->releases = s_load_json(path);
    if (!repo->releases || !json_is_array(repo->releases)) {
        fprintf(stderr, "gh-standin: %s: expected a JSON array\n", path);
        return -1;
    }
    return 0;
}

/* Loads DIR/<owner>/<name>/ into repo. */
static int s_repo_load(repo_t *repo, const char *dir)
{
    char *issues = dp_asprintf("%s/issues.json", dir);
    char *meta = dp_asprintf("%s/repo.json", dir);
    char *pulls = dp_asprintf("%s/pulls", dir);
    char *comments = dp_asprintf("%s/comments", dir);
    char *reviews = dp_asprintf("%s/reviews", dir);
    char *releases = dp_asprintf("%s/releases.json", dir);
    int rc = s_repo_load_issues(repo, issues);
    if (rc == 0)
        rc = s_repo_load_meta(repo, meta);
    if (rc == 0)
        rc = s_repo_load_releases(repo, releases);
    if (rc == 0)
        rc = s_load_numbered(pulls, ".json", JSON_OBJECT, &repo->pulls,
                             &repo->n_pulls);
    if (rc == 0)
        rc = s_load_numbered(pulls, ".files.json", JSON_ARRAY, &repo->files,
                             &repo->n_files);
    if (rc == 0)
        rc = s_load_numbered(comments, ".json", JSON_ARRAY, &repo->comments,
                             &repo->n_comments);
    if (rc == 0)
        rc = s_load_numbered(reviews, ".json", JSON_ARRAY, &repo->reviews,
                             &repo->n_reviews);
    dp_free(releases);
    dp_free(reviews);
    dp_free(comments);
    dp_free(pulls);
    dp_free(meta);
    dp_free(issues);
    return rc;
}

static void s_repo_free(repo_t *repo)
{
    dp_free(repo->owner);
    dp_free(repo->name);
    json_decref(repo->repo);
    json_decref(repo->releases);
    json_decref(repo->issues);
    dp_free(repo->items);
    for (size_t i = 0; i < repo->n_pulls; i++)
        json_decref(repo->pulls[i].json);
    dp_free(repo->pulls);
    for (size_t i = 0; i < repo->n_comments; i++)
        json_decref(repo->comments[i].json);
    dp_free(repo->comments);
    for (size_t i = 0; i < repo->n_files; i++)
        json_decref(repo->files[i].json);
    dp_free(repo->files);
    for (size_t i = 0; i < repo->n_reviews; i++)
        json_decref(repo->reviews[i].json);
    dp_free(repo->reviews);
}

/* Loads every DIR/<owner>/<repo>/ directory. */
static int s_dataset_load(server_t *srv)
{
    DIR *top = opendir(srv->data_dir);
    if (!top) {
        fprintf(stderr, "gh-standin: cannot open data directory %s: %s\n",
                srv->data_dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    int rc = 0;
    struct dirent *oe;
    while (rc == 0 && (oe = readdir(top)) != NULL) {
        if (oe->d_name[0] == '.')
            continue;
        char *odir = dp_asprintf("%s/%s", srv->data_dir, oe->d_name);
        DIR *od = s_is_dir(odir) ? opendir(odir) : NULL;
        struct dirent *re;
        while (od && rc == 0 && (re = readdir(od)) != NULL) {
            if (re->d_name[0] == '.')
                continue;
            char *rdir = dp_asprintf("%s/%s", odir, re->d_name);
            if (s_is_dir(rdir)) {
                if (srv->n_repos == cap) {
                    cap = cap ? cap * 2 : 8;
                    srv->repos =
                        dp_realloc(srv->repos, cap * sizeof *srv->repos);
                }
                repo_t *repo = &srv->repos[srv->n_repos++];
                memset(repo, 0, sizeof *repo);
                repo->owner = dp_strdup(oe->d_name);
                repo->name = dp_strdup(re->d_name);
                rc = s_repo_load(repo, rdir);
            }
            dp_free(rdir);
        }
        if (od)
            closedir(od);
        dp_free(odir);
    }
    closedir(top);
    return rc;
}

static repo_t *s_repo_by_name(server_t *srv, const char *owner,
                              const char *name)
{
    for (size_t i = 0; i < srv->n_repos; i++)
        if (strcasecmp(srv->repos[i].owner, owner) == 0 &&
            strcasecmp(srv->repos[i].name, name) == 0)
            return &srv->repos[i];
    return NULL;
}

static repo_t *s_repo_by_id(server_t *srv, const char *id_text)
{
    long long id;
    if (s_parse_ll(id_text, 0, INT64_MAX, &id) < 0)
        return NULL;
    for (size_t i = 0; i < srv->n_repos; i++)
        if (srv->repos[i].id == id)
            return &srv->repos[i];
    return NULL;
}

static json_t *s_numbered_find(numbered_t *v, size_t n, long long number)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].number == number)
            return v[i].json;
    return NULL;
}

/* ==== Replies ==== */

static void s_reply_init(reply_t *r)
{
    memset(r, 0, sizeof *r);
    r->status = MHD_HTTP_OK;
    r->content_type = S_JSON_TYPE;
    r->retry_after = -1;
}

static void s_reply_free(reply_t *r)
{
    dp_buf_free(&r->body);
    dp_free(r->link);
    r->link = NULL;
    dp_free(r->location);
    r->location = NULL;
}

/* Appends text to buf with the dataset's spoil marks (see the top of this
 * file) replaced by what they stand for. */
static void s_spoil(dp_buf_t *buf, const char *text)
{
    static const struct {
        const char *mark; /* as it stands in the dump */
        const char *as;   /* what is served */
    } marks[] = {{S_SPOIL_INT, S_SPOIL_INT_AS},
                 {S_SPOIL_UTF8, S_SPOIL_UTF8_AS}};
    const char *p = text;
    const char *hit;
    while ((hit = strstr(p, S_SPOIL_MARK)) != NULL) {
        size_t k = 0, n = sizeof marks / sizeof marks[0];
        size_t at = (size_t)(hit - p);
        for (; k < n; k++) {
            size_t back = marks[k].mark[0] == '"' ? 1 : 0;
            if (at >= back &&
                !strncmp(hit - back, marks[k].mark, strlen(marks[k].mark))) {
                dp_buf_append(buf, p, at - back);
                dp_buf_puts(buf, marks[k].as);
                p = hit - back + strlen(marks[k].mark);
                break;
            }
        }
        if (k == n) {
            dp_buf_append(buf, p, at + 1);
            p = hit + 1;
        }
    }
    dp_buf_puts(buf, p);
}

/* Sets the body to a compact dump of j and takes ownership of j. */
static void s_reply_json(reply_t *r, int status, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    r->status = status;
    dp_buf_reset(&r->body);
    s_spoil(&r->body, text ? text : "null");
    free(text);
}

static void s_reply_message(reply_t *r, int status, const char *message)
{
    s_reply_json(r, status,
                 json_pack("{s:s, s:s}", "message", message,
                           "documentation_url", S_DOC_URL));
}

static void s_reply_not_found(reply_t *r)
{
    s_reply_message(r, MHD_HTTP_NOT_FOUND, "Not Found");
}

/* 422 naming the query parameter that failed. */
static void s_reply_invalid(reply_t *r, const char *field)
{
    s_reply_json(r, S_HTTP_UNPROCESSABLE,
                 json_pack("{s:s, s:[{s:s, s:s, s:s}], s:s}", "message",
                           "Validation Failed", "errors", "resource", "Issue",
                           "field", field, "code", "invalid",
                           "documentation_url", S_DOC_URL));
}

/* ==== Listings and pagination ==== */

typedef struct {
    int64_t key;   /* primary key, negated for descending order */
    long long tie; /* secondary key, ascending */
    json_t *json;  /* borrowed */
} entry_t;

static int s_entry_cmp(const void *a, const void *b)
{
    const entry_t *x = a;
    const entry_t *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->tie != y->tie)
        return x->tie < y->tie ? -1 : 1;
    return 0;
}

/* Reads per_page and page; 0, or -1 after a 422 reply. */
static int s_paging(server_t *srv, const query_t *q, reply_t *r,
                    long long *per_page, long long *page)
{
    const char *v = s_query_get(q, "per_page");
    *per_page = S_PER_PAGE_DEFAULT;
    if (v && *v) {
        if (s_parse_ll(v, 0, INT64_MAX, per_page) < 0) {
            s_reply_invalid(r, "per_page");
            return -1;
        }
        if (*per_page == 0)
            *per_page = S_PER_PAGE_DEFAULT;
        if (*per_page > srv->per_page_max)
            *per_page = srv->per_page_max;
    }
    v = s_query_get(q, "page");
    *page = 1;
    if (v && *v) {
        if (s_parse_ll(v, 0, INT64_MAX / 2, page) < 0) {
            s_reply_invalid(r, "page");
            return -1;
        }
        if (*page == 0)
            *page = 1;
    }
    if (srv->max_page > 0 && *page > srv->max_page) {
        s_reply_json(r, S_HTTP_UNPROCESSABLE,
                     json_pack("{s:s, s:s}", "message",
                               "In order to keep the API fast for everyone, "
                               "pagination is limited for this resource.",
                               "documentation_url", S_DOC_URL));
        return -1;
    }
    return 0;
}

/* Reads `since`; 0 (and *since = INT64_MIN when absent), or -1 after 422. */
static int s_since(const query_t *q, reply_t *r, int64_t *since)
{
    const char *v = s_query_get(q, "since");
    *since = INT64_MIN;
    if (v && *v && s_parse_time(v, since) < 0) {
        s_reply_invalid(r, "since");
        return -1;
    }
    return 0;
}

/* Appends <base?query-without-page&page=N>; rel="rel". */
static void s_link_one(dp_buf_t *buf, const char *base, const query_t *q,
                       long long page, const char *rel)
{
    if (buf->len)
        dp_buf_puts(buf, ", ");
    dp_buf_printf(buf, "<%s?", base);
    for (size_t i = 0; i < q->n; i++) {
        if (strcmp(q->p[i].key, "page") == 0)
            continue;
        s_url_encode(buf, q->p[i].key);
        dp_buf_puts(buf, "=");
        s_url_encode(buf, q->p[i].value);
        dp_buf_puts(buf, "&");
    }
    dp_buf_printf(buf, "page=%lld>; rel=\"%s\"", page, rel);
}

/*
 * Sorts entries, answers the requested page as a JSON array and sets a
 * GitHub Link header (prev, next, last, first, in GitHub's order) whose
 * URLs start with link_base.
 */
static void s_reply_page(reply_t *r, entry_t *v, size_t n, long long per_page,
                         long long page, const char *link_base,
                         const query_t *q)
{
    if (n)
        qsort(v, n, sizeof *v, s_entry_cmp);
    long long total = (long long)n;
    long long last = (total + per_page - 1) / per_page;
    json_t *arr = json_array();
    if (v && page <= last) {
        long long from = (page - 1) * per_page;
        long long to = from + per_page < total ? from + per_page : total;
        for (long long i = from; i < to; i++)
            json_array_append(arr, v[i].json);
    }
    s_reply_json(r, MHD_HTTP_OK, arr);
    r->cacheable = 1;
    if (total == 0)
        return;
    dp_buf_t link = DP_BUF_INIT;
    if (page > 1)
        s_link_one(&link, link_base, q, page - 1 < last ? page - 1 : last,
                   "prev");
    if (page < last) {
        s_link_one(&link, link_base, q, page + 1, "next");
        s_link_one(&link, link_base, q, last, "last");
    }
    if (page > 1)
        s_link_one(&link, link_base, q, 1, "first");
    if (link.len)
        r->link = dp_buf_take(&link);
    dp_buf_free(&link);
}

/* Does the item carry every label of a comma-separated list? */
static int s_has_labels(json_t *item, const char *list)
{
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        int found = len == 0;
        size_t i;
        json_t *label;
        json_array_foreach(json_object_get(item, "labels"), i, label)
        {
            const char *name =
                json_string_value(json_object_get(label, "name"));
            if (name && strlen(name) == len && strncasecmp(name, p, len) == 0)
                found = 1;
        }
        if (!found)
            return 0;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 1;
}

static void s_link_base(server_t *srv, repo_t *repo, const char *rest,
                        char *out, size_t size)
{
    snprintf(out, size, "%s/repositories/%lld%s",
             srv->link_base ? srv->link_base : srv->base_url, repo->id, rest);
}

/* GET /repos/{o}/{r}/issues */
static void s_list_issues(server_t *srv, repo_t *repo, const query_t *q,
                          reply_t *r)
{
    const char *state = s_query_get(q, "state");
    const char *sort = s_query_get(q, "sort");
    const char *dir = s_query_get(q, "direction");
    const char *labels = s_query_get(q, "labels");
    const char *creator = s_query_get(q, "creator");
    int want = 0; /* 0 open, 1 closed, 2 all */
    if (state && strcmp(state, "closed") == 0)
        want = 1;
    else if (state && strcmp(state, "all") == 0)
        want = 2;
    else if (state && strcmp(state, "open") != 0) {
        s_reply_invalid(r, "state");
        return;
    }
    int by = 0; /* 0 created, 1 updated, 2 comments */
    if (sort && strcmp(sort, "updated") == 0)
        by = 1;
    else if (sort && strcmp(sort, "comments") == 0)
        by = 2;
    else if (sort && strcmp(sort, "created") != 0) {
        s_reply_invalid(r, "sort");
        return;
    }
    int asc = 0;
    if (dir && strcmp(dir, "asc") == 0)
        asc = 1;
    else if (dir && strcmp(dir, "desc") != 0) {
        s_reply_invalid(r, "direction");
        return;
    }
    int64_t since;
    long long per_page, page;
    if (s_since(q, r, &since) < 0 || s_paging(srv, q, r, &per_page, &page) < 0)
        return;

    entry_t *v = dp_calloc(repo->n_items ? repo->n_items : 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < repo->n_items; i++) {
        item_t *x = &repo->items[i];
        if ((want == 0 && !x->open) || (want == 1 && x->open))
            continue;
        if (x->updated < since)
            continue;
        if (labels && !s_has_labels(x->json, labels))
            continue;
        if (creator) {
            json_t *user = json_object_get(x->json, "user");
            const char *login =
                json_string_value(json_object_get(user, "login"));
            if (!login || strcasecmp(login, creator) != 0)
                continue;
        }
        int64_t key = by == 0   ? x->created
                      : by == 1 ? x->updated
                                : (int64_t)x->comments;
        v[n].key = asc ? key : -key;
        v[n].tie = -x->number; /* ties: number descending */
        v[n].json = x->json;
        n++;
    }
    char base[512];
    s_link_base(srv, repo, "/issues", base, sizeof base);
    s_reply_page(r, v, n, per_page, page, base, q);
    dp_free(v);
}

/* Adds the comments of one array, filtered by since, to v. */
static void s_collect_comments(json_t *arr, int64_t since, int by_updated,
                               int asc, entry_t **v, size_t *n, size_t *cap)
{
    size_t i;
    json_t *c;
    json_array_foreach(arr, i, c)
    {
        int64_t updated = s_json_time(c, "updated_at");
        if (updated < since)
            continue;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *v = dp_realloc(*v, *cap * sizeof **v);
        }
        int64_t key = by_updated ? updated : s_json_time(c, "created_at");
        (*v)[*n].key = asc ? key : -key;
        (*v)[*n].tie = json_integer_value(json_object_get(c, "id"));
        (*v)[*n].json = c;
        (*n)++;
    }
}

/* GET /repos/{o}/{r}/issues/{n}/comments (number >= 0), or the
 * repository-wide GET /repos/{o}/{r}/issues/comments (number < 0). */
static void s_list_comments(server_t *srv, repo_t *repo, long long number,
                            const query_t *q, reply_t *r)
{
    int by_updated = 0;
    int asc = 1;
    if (number < 0) {
        const char *sort = s_query_get(q, "sort");
        const char *dir = s_query_get(q, "direction");
        if (sort && strcmp(sort, "updated") == 0)
            by_updated = 1;
        else if (sort && strcmp(sort, "created") != 0) {
            s_reply_invalid(r, "sort");
            return;
        }
        if (dir && strcmp(dir, "desc") == 0)
            asc = 0;
        else if (dir && strcmp(dir, "asc") != 0) {
            s_reply_invalid(r, "direction");
            return;
        }
    }
    int64_t since;
    long long per_page, page;
    if (s_since(q, r, &since) < 0 || s_paging(srv, q, r, &per_page, &page) < 0)
        return;
    entry_t *v = NULL;
    size_t n = 0, cap = 0;
    if (number >= 0) {
        json_t *arr = s_numbered_find(repo->comments, repo->n_comments, number);
        s_collect_comments(arr, since, 0, 1, &v, &n, &cap);
    } else {
        for (size_t i = 0; i < repo->n_comments; i++)
            s_collect_comments(repo->comments[i].json, since, by_updated, asc,
                               &v, &n, &cap);
    }
    char rest[96];
    char base[512];
    if (number >= 0)
        snprintf(rest, sizeof rest, "/issues/%lld/comments", number);
    else
        snprintf(rest, sizeof rest, "/issues/comments");
    s_link_base(srv, repo, rest, base, sizeof base);
    s_reply_page(r, v, n, per_page, page, base, q);
    dp_free(v);
}

/* True when number is a pull request of the dataset. */
static int s_is_pull(repo_t *repo, long long number)
{
    if (s_numbered_find(repo->pulls, repo->n_pulls, number))
        return 1;
    for (size_t i = 0; i < repo->n_items; i++)
        if (repo->items[i].number == number)
            return json_object_get(repo->items[i].json, "pull_request") != NULL;
    return 0;
}

/* GET /repos/{o}/{r}/pulls/{n}/files or .../reviews: the dataset's list
 * in file order, paginated. */
static void s_list_pull_part(server_t *srv, repo_t *repo, long long number,
                             const char *part, const query_t *q, reply_t *r)
{
    int files = strcmp(part, "files") == 0;
    json_t *arr = files
                      ? s_numbered_find(repo->files, repo->n_files, number)
                      : s_numbered_find(repo->reviews, repo->n_reviews, number);
    if (!arr && !s_is_pull(repo, number)) {
        s_reply_not_found(r);
        return;
    }
    long long per_page, page;
    if (s_paging(srv, q, r, &per_page, &page) < 0)
        return;
    size_t n = json_array_size(arr);
    entry_t *v = dp_calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[i].key = (int64_t)i;
        v[i].json = json_array_get(arr, i);
    }
    char rest[96], base[512];
    snprintf(rest, sizeof rest, "/pulls/%lld/%s", number, part);
    s_link_base(srv, repo, rest, base, sizeof base);
    s_reply_page(r, v, n, per_page, page, base, q);
    dp_free(v);
}

/* ==== Repository events ==== */

/* A repository's events feed being built. */
typedef struct {
    repo_t *repo;
    json_t *all; /* the events, owned */
    entry_t *v;  /* one per event, newest first once sorted */
    size_t n, cap;
} feed_t;

/* Appends one event of the feed, unless its time is missing. */
static void s_event_add(feed_t *f, const char *type, const char *action,
                        json_t *actor, long long number, json_t *when)
{
    int64_t t = 0;
    if (!json_is_string(when) ||
        s_parse_time(json_string_value(when), &t) < 0 || t <= 0)
        return;
    char id[48];
    snprintf(id, sizeof id, "%lld", 40000000000LL + (long long)f->n);
    char name[512];
    snprintf(name, sizeof name, "%s/%s", f->repo->owner, f->repo->name);
    json_t *e = json_pack(
        "{s:s, s:s, s:{s:O?}, s:{s:I, s:s}, s:{s:s?, s:I}, s:b, s:O}", "id", id,
        "type", type, "actor", "login", json_object_get(actor, "login"), "repo",
        "id", (json_int_t)f->repo->id, "name", name, "payload", "action",
        action, "number", (json_int_t)number, "public", 1, "created_at", when);
    if (!e)
        return;
    json_array_append_new(f->all, e);
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->v = dp_realloc(f->v, f->cap * sizeof *f->v);
    }
    f->v[f->n].key = -t; /* newest first */
    f->v[f->n].tie = (long long)f->n;
    f->v[f->n].json = e;
    f->n++;
}

/* One event of type per element of the numbered lists (comments,
 * reviews), at the element's time field when. */
static void s_events_of(feed_t *f, const numbered_t *lists, size_t nlists,
                        const char *type, const char *when)
{
    for (size_t i = 0; i < nlists; i++) {
        size_t k;
        json_t *c;
        json_array_foreach(lists[i].json, k, c)
        {
            s_event_add(f, type, "created", json_object_get(c, "user"),
                        lists[i].number, json_object_get(c, when));
        }
    }
}

/* GET /repos/{o}/{r}/events: the dataset's activity as GitHub's feed shows
 * it (issues and pull requests opened and closed, comments, reviews, published
 * releases), newest first, at most S_EVENTS_MAX, paginated, with an ETag and
 * X-Poll-Interval. Events carry no lag here. */
static void s_list_events(server_t *srv, repo_t *repo, const query_t *q,
                          reply_t *r)
{
    long long per_page, page;
    if (s_paging(srv, q, r, &per_page, &page) < 0)
        return;
    feed_t f = {.repo = repo, .all = json_array()};
    for (size_t i = 0; i < repo->n_items; i++) {
        json_t *it = repo->items[i].json;
        const char *type = json_object_get(it, "pull_request")
                               ? "PullRequestEvent"
                               : "IssuesEvent";
        json_t *user = json_object_get(it, "user");
        long long number = repo->items[i].number;
        s_event_add(&f, type, "opened", user, number,
                    json_object_get(it, "created_at"));
        s_event_add(&f, type, "closed", user, number,
                    json_object_get(it, "closed_at"));
    }
    s_events_of(&f, repo->comments, repo->n_comments, "IssueCommentEvent",
                "created_at");
    s_events_of(&f, repo->reviews, repo->n_reviews, "PullRequestReviewEvent",
                "submitted_at");
    size_t i;
    json_t *rel;
    json_array_foreach(repo->releases, i, rel)
    {
        s_event_add(&f, "ReleaseEvent", "published",
                    json_object_get(rel, "author"), 0,
                    json_object_get(rel, "published_at"));
    }
    if (f.n)
        qsort(f.v, f.n, sizeof *f.v, s_entry_cmp);
    char base[512];
    s_link_base(srv, repo, "/events", base, sizeof base);
    s_reply_page(r, f.v, f.n < S_EVENTS_MAX ? f.n : S_EVENTS_MAX, per_page,
                 page, base, q);
    r->poll_interval = srv->poll_interval;
    dp_free(f.v);
    json_decref(f.all);
}

/* GET /repos/{o}/{r}/releases: releases.json as it is written (newest
 * first), paginated, with an ETag. */
static void s_list_releases(server_t *srv, repo_t *repo, const query_t *q,
                            reply_t *r)
{
    long long per_page, page;
    if (s_paging(srv, q, r, &per_page, &page) < 0)
        return;
    size_t n = json_array_size(repo->releases);
    entry_t *v = dp_calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (entry_t){(int64_t)i, 0, json_array_get(repo->releases, i)};
    char base[512];
    s_link_base(srv, repo, "/releases", base, sizeof base);
    s_reply_page(r, v, n, per_page, page, base, q);
    dp_free(v);
}

/* ==== Single objects ==== */

/* The repository as GET /repos/o/r answers it: repo.json, or one made
 * from the dataset. A new reference. */
static json_t *s_repo_json(server_t *srv, repo_t *repo)
{
    if (repo->repo)
        return json_incref(repo->repo);
    long long open = 0;
    for (size_t i = 0; i < repo->n_items; i++)
        open += repo->items[i].open;
    char *full = dp_asprintf("%s/%s", repo->owner, repo->name);
    char *html = dp_asprintf("https://github.com/%s", full);
    char *api = dp_asprintf("%s/repos/%s", srv->base_url, full);
    json_t *doc = json_pack(
        "{s:I, s:s, s:s, s:b, s:{s:s, s:s}, s:s, s:s, s:b, s:s, s:I, s:s}",
        "id", (json_int_t)repo->id, "name", repo->name, "full_name", full,
        "private", 0, "owner", "login", repo->owner, "type", "Organization",
        "html_url", html, "url", api, "fork", 0, "default_branch", "main",
        "open_issues_count", (json_int_t)open, "visibility", "public");
    dp_free(api);
    dp_free(html);
    dp_free(full);
    return doc;
}

static void s_get_repo(server_t *srv, repo_t *repo, reply_t *r)
{
    s_reply_json(r, MHD_HTTP_OK, s_repo_json(srv, repo));
    r->cacheable = 1;
}

/* GET /orgs/{org}/repos: every repository of the dataset under that
 * owner, by name, in one page (archived ones too: repo.json may say so). */
static void s_list_org_repos(server_t *srv, const char *org, reply_t *r)
{
    json_t *list = json_array();
    const char *last = "";
    for (;;) { /* the next name after last, so the order is the names' */
        repo_t *next = NULL;
        for (size_t i = 0; i < srv->n_repos; i++) {
            repo_t *c = &srv->repos[i];
            if (strcasecmp(c->owner, org) == 0 && strcmp(c->name, last) > 0 &&
                (!next || strcmp(c->name, next->name) < 0))
                next = c;
        }
        if (!next)
            break;
        json_array_append_new(list, s_repo_json(srv, next));
        last = next->name;
    }
    if (json_array_size(list) == 0) {
        json_decref(list);
        s_reply_not_found(r);
        return;
    }
    s_reply_json(r, MHD_HTTP_OK, list);
    r->cacheable = 1;
}

static void s_get_issue(repo_t *repo, long long number, reply_t *r)
{
    for (size_t i = 0; i < repo->n_items; i++) {
        if (repo->items[i].number == number) {
            s_reply_json(r, MHD_HTTP_OK, json_incref(repo->items[i].json));
            r->cacheable = 1;
            return;
        }
    }
    s_reply_not_found(r);
}

static void s_get_pull(repo_t *repo, long long number, reply_t *r)
{
    json_t *pull = s_numbered_find(repo->pulls, repo->n_pulls, number);
    if (!pull) {
        s_reply_not_found(r);
        return;
    }
    s_reply_json(r, MHD_HTTP_OK, json_incref(pull));
    r->cacheable = 1;
}

/* ==== Service endpoints ==== */

static json_t *s_rate_object(long long limit, long long used, int64_t reset,
                             const char *resource)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:s}", "limit", (json_int_t)limit,
                     "used", (json_int_t)used, "remaining",
                     (json_int_t)(limit - used), "reset", (json_int_t)reset,
                     "resource", resource);
}

static void s_rate_limit(server_t *srv, reply_t *r)
{
    json_t *res = json_object();
    json_object_set_new(
        res, "core",
        s_rate_object(srv->rate_limit, srv->used, srv->reset_at, "core"));
    json_object_set_new(res, "search",
                        s_rate_object(30, 0, srv->reset_at, "search"));
    json_object_set_new(res, "graphql",
                        s_rate_object(5000, 0, srv->reset_at, "graphql"));
    json_t *j = json_object();
    json_object_set_new(j, "resources", res);
    json_object_set_new(
        j, "rate",
        s_rate_object(srv->rate_limit, srv->used, srv->reset_at, "core"));
    s_reply_json(r, MHD_HTTP_OK, j);
    r->free_request = 1;
}

static void s_stats(server_t *srv, reply_t *r)
{
    json_t *j = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:O, s:O}", "requests",
        (json_int_t)srv->requests, "counted", (json_int_t)srv->counted,
        "graphql_points", (json_int_t)srv->gql_points, "not_modified",
        (json_int_t)srv->not_modified, "rate_used", (json_int_t)srv->used,
        "authorization", (json_int_t)srv->authorization, "by_path",
        srv->by_path, "by_status", srv->by_status);
    s_reply_json(r, MHD_HTTP_OK, j);
}

static void s_stats_reset(server_t *srv, reply_t *r)
{
    srv->requests = 0;
    srv->counted = 0;
    srv->not_modified = 0;
    srv->authorization = 0;
    srv->used = 0;
    srv->gql_points = 0;
    json_object_clear(srv->by_path);
    json_object_clear(srv->by_status);
    s_reply_json(r, MHD_HTTP_OK, json_pack("{s:b}", "reset", 1));
}

static void s_count(json_t *map, const char *key, size_t max)
{
    json_t *v = json_object_get(map, key);
    if (!v && json_object_size(map) >= max)
        key = "(other)";
    v = json_object_get(map, key);
    json_object_set_new(map, key,
                        json_integer(v ? json_integer_value(v) + 1 : 1));
}

/* ==== GraphQL ==== */

/* Starts the validator: node running the script with --serve, which
 * answers one JSON line per query line. Returns 0 or -1. */
static int s_validator_start(server_t *srv)
{
    int in[2], out[2];
    if (pipe(in) < 0)
        return -1;
    if (pipe(out) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        pthread_sigmask(SIG_SETMASK, &none, NULL);
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execlp("node", "node", srv->validator, "--serve", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        return -1;
    }
    srv->vpid = pid;
    srv->vin = fdopen(in[1], "w");
    srv->vout = fdopen(out[0], "r");
    return srv->vin && srv->vout ? 0 : -1;
}

static void s_validator_stop(server_t *srv)
{
    if (srv->vin)
        fclose(srv->vin); /* node ends at the end of its input */
    if (srv->vout)
        fclose(srv->vout);
    if (srv->vpid > 0)
        waitpid(srv->vpid, NULL, 0);
    srv->vin = srv->vout = NULL;
    srv->vpid = 0;
}

/* The schema's verdict on a query: a borrowed array of error messages,
 * empty when GitHub would accept it; NULL when no validator answers. */
static json_t *s_validate(server_t *srv, const char *query)
{
    json_t *known = json_object_get(srv->vcache, query);
    if (known)
        return known;
    if (!srv->vpid && s_validator_start(srv) < 0)
        return NULL;
    if (!srv->vin || !srv->vout)
        return NULL;
    json_t *q = json_string(query);
    char *line = q ? json_dumps(q, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(q);
    if (!line)
        return NULL;
    fprintf(srv->vin, "%s\n", line);
    fflush(srv->vin);
    free(line);
    char *answer = NULL;
    size_t cap = 0;
    json_t *errors = NULL;
    if (getline(&answer, &cap, srv->vout) > 0) {
        json_t *doc = json_loads(answer, 0, NULL);
        errors = json_incref(json_object_get(doc, "errors"));
        json_decref(doc);
    }
    free(answer);
    if (!json_is_array(errors)) {
        json_decref(errors);
        return NULL;
    }
    json_object_set_new(srv->vcache, query, errors);
    return errors;
}

/* The value of an argument `name: VALUE` inside args[0..len): a literal
 * (an integer or a "string") or a $variable from vars. New reference or
 * NULL. */
static json_t *s_gql_arg(const char *args, size_t len, const char *name,
                         const json_t *vars)
{
    size_t n = strlen(name);
    for (const char *p = args; p + n < args + len; p++) {
        if (strncmp(p, name, n) != 0 ||
            (p > args && (isalnum((unsigned char)p[-1]) || p[-1] == '_')))
            continue;
        const char *v = p + n;
        while (v < args + len && *v == ' ')
            v++;
        if (v >= args + len || *v != ':')
            continue;
        v++;
        while (v < args + len && *v == ' ')
            v++;
        if (*v == '$') {
            char var[S_GQL_NAME_MAX];
            size_t k = 0;
            for (v++;
                 v < args + len && (isalnum((unsigned char)*v) || *v == '_') &&
                 k + 1 < sizeof var;
                 v++)
                var[k++] = *v;
            var[k] = '\0';
            return json_incref(json_object_get(vars, var));
        }
        if (*v == '"') {
            const char *end = memchr(v + 1, '"', (size_t)(args + len - v - 1));
            return end ? json_stringn(v + 1, (size_t)(end - v - 1)) : NULL;
        }
        long long number;
        char digits[32];
        size_t k = 0;
        while (v < args + len && isdigit((unsigned char)*v) &&
               k + 1 < sizeof digits)
            digits[k++] = *v++;
        digits[k] = '\0';
        return s_parse_ll(digits, 0, INT64_MAX, &number) == 0
                   ? json_integer((json_int_t)number)
                   : NULL;
    }
    return NULL;
}

/* The arguments of the first `field(` in query at or after from: sets
 * *args and *len to the text between the parentheses. Returns where the
 * field name starts, or NULL. */
static const char *s_gql_field(const char *query, const char *from,
                               const char *field, const char **args,
                               size_t *len)
{
    size_t n = strlen(field);
    for (const char *p = strstr(from, field); p; p = strstr(p + 1, field)) {
        if (p > query && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
            continue;
        const char *q = p + n;
        while (*q == ' ')
            q++;
        if (*q != '(')
            continue;
        const char *end = strchr(q, ')');
        if (!end)
            return NULL;
        *args = q + 1;
        *len = (size_t)(end - q - 1);
        return p;
    }
    return NULL;
}

/* `first:` of a connection field, or the default. */
static long long s_gql_first(const char *query, const char *field,
                             const json_t *vars)
{
    const char *args;
    size_t len;
    if (!s_gql_field(query, query, field, &args, &len))
        return S_GQL_FIRST_DEFAULT;
    json_t *v = s_gql_arg(args, len, "first", vars);
    long long first = json_is_integer(v) ? (long long)json_integer_value(v)
                                         : S_GQL_FIRST_DEFAULT;
    json_decref(v);
    return first;
}

/* A page of a dataset list as a GraphQL connection, each element mapped. */
static json_t *s_gql_connection(json_t *arr, long long first,
                                json_t *(*map)(json_t *))
{
    json_t *nodes = json_array();
    size_t total = json_array_size(arr);
    for (size_t i = 0; i < total && (long long)i < first; i++)
        json_array_append_new(nodes, map(json_array_get(arr, i)));
    int more = (long long)total > first;
    char cursor[32];
    snprintf(cursor, sizeof cursor, "Y3Vyc29yOnYyOpHO%lld",
             (long long)(total < (size_t)first ? total : (size_t)first));
    return json_pack("{s:I, s:o, s:{s:b, s:s?}}", "totalCount",
                     (json_int_t)total, "nodes", nodes, "pageInfo",
                     "hasNextPage", more, "endCursor",
                     json_array_size(nodes) ? cursor : NULL);
}

static json_t *s_gql_file(json_t *f)
{
    return json_pack("{s:O?, s:O?, s:O?}", "path",
                     json_object_get(f, "filename"), "additions",
                     json_object_get(f, "additions"), "deletions",
                     json_object_get(f, "deletions"));
}

/* A REST review as GraphQL names it: a GitHub App's login has no
 * "[bot]" there. */
static json_t *s_gql_review(json_t *r)
{
    json_t *user = json_object_get(r, "user");
    const char *login = json_string_value(json_object_get(user, "login"));
    const char *type = json_string_value(json_object_get(user, "type"));
    json_t *author = json_null();
    if (login) {
        size_t len = strlen(login);
        int bot = type && !strcmp(type, "Bot") && len > 5 &&
                  !strcmp(login + len - 5, "[bot]");
        author = json_pack("{s:s%, s:s}", "login", login, bot ? len - 5 : len,
                           "__typename", type ? type : "User");
    }
    return json_pack("{s:O?, s:o, s:O?, s:O?, s:O?}", "databaseId",
                     json_object_get(r, "id"), "author", author,
                     "authorAssociation",
                     json_object_get(r, "author_association"), "state",
                     json_object_get(r, "state"), "submittedAt",
                     json_object_get(r, "submitted_at"));
}

static json_t *s_gql_error(const char *type, const char *message,
                           const char *path1, const char *path2)
{
    json_t *path = json_pack("[s]", path1);
    if (path2)
        json_array_append_new(path, json_string(path2));
    return json_pack("{s:s, s:o, s:s}", "type", type, "path", path, "message",
                     message);
}

/* The alias of the field at p (the name before a colon before it), into
 * alias; 0 when it has one, -1 when not (alias is left as it was). */
static int s_gql_alias(const char *query, const char *p, char *alias,
                       size_t size)
{
    const char *b = p;
    while (b > query && b[-1] == ' ')
        b--;
    if (b == query || b[-1] != ':')
        return -1;
    const char *e = --b;
    while (e > query && e[-1] == ' ')
        e--;
    const char *a = e;
    while (a > query && (isalnum((unsigned char)a[-1]) || a[-1] == '_'))
        a--;
    if (e == a || (size_t)(e - a) >= size)
        return -1;
    snprintf(alias, size, "%.*s", (int)(e - a), a);
    return 0;
}

/* Steps *at to the next `field(` of query (the first when *at is NULL)
 * and fills in its arguments and its alias (the field's name when it has
 * none). 0 when there is no further one. */
static int s_gql_next(const char *query, const char **at, const char *field,
                      char *alias, size_t size, const char **args, size_t *len)
{
    const char *from = *at ? *at + strlen(field) : query;
    const char *p = s_gql_field(query, from, field, args, len);
    if (!p)
        return 0;
    *at = p;
    snprintf(alias, size, "%s", field);
    s_gql_alias(query, p, alias, size);
    return 1;
}

/* The repository named by the owner and name arguments, or NULL; the
 * names asked for are left in owner and name (new references). */
static repo_t *s_gql_repo(server_t *srv, const char *args, size_t len,
                          const json_t *vars, json_t **owner, json_t **name)
{
    *owner = s_gql_arg(args, len, "owner", vars);
    *name = s_gql_arg(args, len, "name", vars);
    return json_is_string(*owner) && json_is_string(*name)
               ? s_repo_by_name(srv, json_string_value(*owner),
                                json_string_value(*name))
               : NULL;
}

/* GitHub's error for a repository it cannot resolve. */
static json_t *s_gql_no_repo(const json_t *owner, const json_t *name,
                             const char *path)
{
    char msg[512];
    snprintf(msg, sizeof msg,
             "Could not resolve to a Repository with the name '%s/%s'.",
             json_string_value(owner) ? json_string_value(owner) : "",
             json_string_value(name) ? json_string_value(name) : "");
    return s_gql_error("NOT_FOUND", msg, path, NULL);
}

/* A connection of the one most recently updated issue or pull request
 * (orderBy UPDATED_AT DESC, first 1), as { nodes { updatedAt } }. */
static json_t *s_gql_latest(repo_t *repo, int pulls)
{
    const item_t *best = NULL;
    for (size_t i = 0; i < repo->n_items; i++) {
        const item_t *x = &repo->items[i];
        int is_pull = json_object_get(x->json, "pull_request") != NULL;
        if (is_pull == pulls && (!best || x->updated > best->updated))
            best = x;
    }
    json_t *nodes = json_array();
    if (best)
        json_array_append_new(
            nodes, json_pack("{s:O?}", "updatedAt",
                             json_object_get(best->json, "updated_at")));
    return json_pack("{s:o}", "nodes", nodes);
}

/* The newest release (releases.json is newest first) as `releases(first:
 * 1, orderBy: CREATED_AT DESC) { nodes { publishedAt } }` answers. */
static json_t *s_gql_newest_release(repo_t *repo)
{
    json_t *nodes = json_array();
    json_t *rel = json_array_get(repo->releases, 0);
    if (rel)
        json_array_append_new(nodes,
                              json_pack("{s:O?}", "publishedAt",
                                        json_object_get(rel, "published_at")));
    return json_pack("{s:o}", "nodes", nodes);
}

/* The repositories of an activity query (`alias: repository(owner, name)
 * { ...activity }`, services/collector/gh_activity.h), each answered with
 * its latest issue and pull request. */
static void s_gql_activity(server_t *srv, const char *query, const json_t *vars,
                           json_t *data, json_t *errors, long long *connections)
{
    const char *args;
    size_t len;
    char alias[S_GQL_NAME_MAX];
    for (const char *p = NULL; s_gql_next(query, &p, "repository", alias,
                                          sizeof alias, &args, &len);) {
        json_t *owner, *name;
        repo_t *repo = s_gql_repo(srv, args, len, vars, &owner, &name);
        if (repo) {
            json_object_set_new(data, alias,
                                json_pack("{s:o, s:o, s:o}", "issues",
                                          s_gql_latest(repo, 0), "pullRequests",
                                          s_gql_latest(repo, 1), "releases",
                                          s_gql_newest_release(repo)));
            *connections += 3;
        } else {
            json_object_set_new(data, alias, json_null());
            json_array_append_new(errors, s_gql_no_repo(owner, name, alias));
        }
        json_decref(owner);
        json_decref(name);
    }
}

/* The pull requests of the query (`alias: pullRequest(number: N)`). */
static void s_gql_pulls(server_t *srv, repo_t *repo, const char *query,
                        const json_t *vars, json_t *data, json_t *errors,
                        long long *connections)
{
    long long first_files = s_gql_first(query, "files", vars);
    long long first_reviews = s_gql_first(query, "reviews", vars);
    (void)srv;
    const char *args;
    size_t len;
    char alias[S_GQL_NAME_MAX];
    for (const char *p = NULL; s_gql_next(query, &p, "pullRequest", alias,
                                          sizeof alias, &args, &len);) {
        json_t *num = s_gql_arg(args, len, "number", vars);
        long long number =
            json_is_integer(num) ? (long long)json_integer_value(num) : -1;
        json_decref(num);
        if (number < 0 || !s_is_pull(repo, number)) {
            char msg[128];
            snprintf(msg, sizeof msg,
                     "Could not resolve to a PullRequest with the number of "
                     "%lld.",
                     number);
            json_object_set_new(data, alias, json_null());
            json_array_append_new(
                errors, s_gql_error("NOT_FOUND", msg, "repository", alias));
            continue;
        }
        json_t *files = s_numbered_find(repo->files, repo->n_files, number);
        json_t *reviews =
            s_numbered_find(repo->reviews, repo->n_reviews, number);
        json_object_set_new(
            data, alias,
            json_pack("{s:o, s:o}", "files",
                      s_gql_connection(files, first_files, s_gql_file),
                      "reviews",
                      s_gql_connection(reviews, first_reviews, s_gql_review)));
        *connections += 2;
    }
}

/* POST /graphql: the query devpulse sends, validated against the schema. */
static void s_graphql(server_t *srv, const char *method, const req_t *req,
                      int authorized, reply_t *r)
{
    if (srv->no_graphql || strcmp(method, "POST") != 0) {
        s_reply_not_found(r);
        return;
    }
    r->graphql = 1; /* GitHub's GraphQL budget is not the REST one */
    if (!authorized) {
        s_reply_json(r, MHD_HTTP_UNAUTHORIZED,
                     json_pack("{s:s, s:s}", "message",
                               "This endpoint requires you to be "
                               "authenticated.",
                               "documentation_url", S_GQL_DOC_URL));
        return;
    }
    json_t *body = req->too_big
                       ? NULL
                       : json_loadb(req->body.data ? req->body.data : "",
                                    req->body.len, 0, NULL);
    const char *query = json_string_value(json_object_get(body, "query"));
    json_t *vars = json_object_get(body, "variables");
    if (!query) {
        s_reply_message(r, MHD_HTTP_BAD_REQUEST, "Problems parsing JSON");
        goto out;
    }
    json_t *verdict = s_validate(srv, query);
    if (!verdict) {
        s_reply_message(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "gh-standin: no GraphQL validator (node and "
                        "tests/standin/graphql/node_modules, see "
                        "scripts/deps.sh)");
        goto out;
    }
    if (json_array_size(verdict) > 0) {
        json_t *errors = json_array();
        size_t i;
        json_t *m;
        json_array_foreach(verdict, i, m) json_array_append_new(
            errors, json_pack("{s:O, s:[]}", "message", m, "locations"));
        s_reply_json(r, MHD_HTTP_OK, json_pack("{s:o}", "errors", errors));
        goto out;
    }
    json_t *data = json_object();
    json_t *errors = json_array();
    long long connections = 0;
    const char *args;
    size_t len;
    const char *at = s_gql_field(query, query, "repository", &args, &len);
    char alias[S_GQL_NAME_MAX];
    if (at && s_gql_alias(query, at, alias, sizeof alias) == 0) {
        s_gql_activity(srv, query, vars, data, errors, &connections);
    } else if (at) {
        json_t *owner, *name;
        repo_t *repo = s_gql_repo(srv, args, len, vars, &owner, &name);
        if (repo) {
            json_t *pulls = json_object();
            s_gql_pulls(srv, repo, query, vars, pulls, errors, &connections);
            json_object_set_new(data, "repository", pulls);
        } else {
            json_object_set_new(data, "repository", json_null());
            json_array_append_new(errors,
                                  s_gql_no_repo(owner, name, "repository"));
        }
        json_decref(owner);
        json_decref(name);
    }
    long long cost = (connections + S_GQL_COST_UNIT / 2) / S_GQL_COST_UNIT;
    if (cost < 1)
        cost = 1;
    srv->gql_points += cost;
    if (strstr(query, "rateLimit"))
        json_object_set_new(
            data, "rateLimit",
            json_pack("{s:I, s:I}", "cost", (json_int_t)cost, "remaining",
                      (json_int_t)(S_GQL_LIMIT - srv->gql_points)));
    json_t *answer = json_pack("{s:o}", "data", data);
    if (json_array_size(errors))
        json_object_set_new(answer, "errors", errors);
    else
        json_decref(errors);
    s_reply_json(r, MHD_HTTP_OK, answer);
out:
    json_decref(body);
}

/* ==== Routing ==== */

/* Splits path into at most S_SEGMENTS_MAX segments (borrowing copy). */
static size_t s_split(char *copy, char **seg)
{
    size_t n = 0;
    char *p = copy;
    while (*p == '/')
        p++;
    while (*p) {
        if (n == S_SEGMENTS_MAX)
            return S_SEGMENTS_MAX + 1;
        seg[n++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    return n;
}

/* Answers a GitHub API path (prefix removed). */
static void s_route(server_t *srv, const char *method, const char *path,
                    const query_t *q, reply_t *r)
{
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    char *copy = dp_strdup(path);
    char *seg[S_SEGMENTS_MAX];
    size_t n = s_split(copy, seg);
    repo_t *repo = NULL;
    size_t rest = 0; /* first segment after the repository */

    if (!get || n > S_SEGMENTS_MAX) {
        s_reply_not_found(r);
        goto out;
    }
    if (n == 1 && strcmp(seg[0], "rate_limit") == 0) {
        s_rate_limit(srv, r);
        goto out;
    }
    if (n == 3 && strcmp(seg[0], "orgs") == 0 && strcmp(seg[2], "repos") == 0) {
        s_list_org_repos(srv, seg[1], r);
        goto out;
    }
    if (n >= 3 && strcmp(seg[0], "repos") == 0) {
        repo = s_repo_by_name(srv, seg[1], seg[2]);
        rest = 3;
    } else if (n >= 2 && strcmp(seg[0], "repositories") == 0) {
        repo = s_repo_by_id(srv, seg[1]);
        rest = 2;
    }
    if (!repo) {
        s_reply_not_found(r);
        goto out;
    }
    size_t m = n - rest;
    char **s = seg + rest;
    long long number = -1;
    if (m >= 2 && s_parse_ll(s[1], 0, INT64_MAX, &number) < 0)
        number = -1;
    if (m == 0) {
        s_get_repo(srv, repo, r);
    } else if (m == 1 && strcmp(s[0], "issues") == 0) {
        s_list_issues(srv, repo, q, r);
    } else if (m == 1 && strcmp(s[0], "events") == 0) {
        s_list_events(srv, repo, q, r);
    } else if (m == 1 && strcmp(s[0], "releases") == 0) {
        s_list_releases(srv, repo, q, r);
    } else if (m == 2 && strcmp(s[0], "issues") == 0 &&
               strcmp(s[1], "comments") == 0) {
        s_list_comments(srv, repo, -1, q, r);
    } else if (m == 2 && strcmp(s[0], "issues") == 0 && number >= 0) {
        s_get_issue(repo, number, r);
    } else if (m == 3 && strcmp(s[0], "issues") == 0 && number >= 0 &&
               strcmp(s[2], "comments") == 0) {
        s_list_comments(srv, repo, number, q, r);
    } else if (m == 2 && strcmp(s[0], "pulls") == 0 && number >= 0) {
        s_get_pull(repo, number, r);
    } else if (m == 3 && strcmp(s[0], "pulls") == 0 && number >= 0 &&
               (strcmp(s[2], "files") == 0 || strcmp(s[2], "reviews") == 0)) {
        s_list_pull_part(srv, repo, number, s[2], q, r);
    } else {
        s_reply_not_found(r);
    }
out:
    dp_free(copy);
}

/* The path below the prefix, or NULL when the path is outside it. */
static const char *s_strip_prefix(server_t *srv, const char *path)
{
    size_t len = strlen(srv->prefix);
    if (len == 0)
        return path;
    if (strncmp(path, srv->prefix, len) != 0)
        return NULL;
    if (path[len] == '\0')
        return "/";
    return path[len] == '/' ? path + len : NULL;
}

/* Is the Authorization header "Bearer T" or "token T"? */
static int s_authorized(server_t *srv, const char *header)
{
    if (!srv->token)
        return 1;
    if (!header)
        return 0;
    while (*header == ' ')
        header++;
    const char *cred = NULL;
    if (strncasecmp(header, "bearer ", 7) == 0)
        cred = header + 7;
    else if (strncasecmp(header, "token ", 6) == 0)
        cred = header + 6;
    if (!cred)
        return 0;
    while (*cred == ' ')
        cred++;
    size_t len = strlen(cred);
    while (len && cred[len - 1] == ' ')
        len--;
    return len == strlen(srv->token) && memcmp(cred, srv->token, len) == 0;
}

/* Takes the first live fault whose substring is in path, or NULL. */
static fault_t *s_fault_take(server_t *srv, const char *path)
{
    for (size_t i = 0; i < srv->n_faults; i++) {
        fault_t *f = &srv->faults[i];
        if (f->left == 0 || !strstr(path, f->substr))
            continue;
        if (f->left > 0)
            f->left--;
        return f;
    }
    return NULL;
}

/* Replaces a reply by the one a fault dictates (hang excluded). */
static void s_fault_reply(const fault_t *f, reply_t *r)
{
    switch (f->kind) {
    case S_FAULT_STATUS:
        s_reply_json(r, (int)f->arg,
                     json_pack("{s:s}", "message", "Server Error"));
        r->cacheable = 0;
        break;
    case S_FAULT_HTML503:
        r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
        r->content_type = S_HTML_TYPE;
        dp_buf_reset(&r->body);
        dp_buf_puts(&r->body, "<html><body><h1>503 Service Unavailable</h1>"
                              "</body></html>\n");
        r->cacheable = 0;
        break;
    case S_FAULT_SECONDARY:
        s_reply_json(r, MHD_HTTP_FORBIDDEN,
                     json_pack("{s:s, s:s}", "message",
                               "You have exceeded a secondary rate limit. "
                               "Please wait a few minutes before you try "
                               "again.",
                               "documentation_url",
                               "https://docs.github.com/rest/overview/"
                               "rate-limits-for-the-rest-api"
                               "#about-secondary-rate-limits"));
        r->retry_after = f->arg;
        r->cacheable = 0;
        break;
    case S_FAULT_R429:
        s_reply_json(r, MHD_HTTP_TOO_MANY_REQUESTS,
                     json_pack("{s:s, s:s}", "message", "Too Many Requests",
                               "documentation_url", S_DOC_URL));
        r->retry_after = f->arg;
        r->cacheable = 0;
        break;
    case S_FAULT_TRUNCATE:
        /* the normal answer, cut below */
        r->truncate = f->short_body ? S_TRUNC_SHORT : S_TRUNC_CUT;
        r->cacheable = 0;
        break;
    case S_FAULT_RATEHDR:
        if (f->arg == MHD_HTTP_FORBIDDEN)
            s_reply_message(r, MHD_HTTP_FORBIDDEN,
                            "You have exceeded a secondary rate limit.");
        else if (f->arg != MHD_HTTP_OK)
            s_reply_message(r, (int)f->arg, "Too Many Requests");
        r->raw_headers = f->headers;
        r->cacheable = 0;
        break;
    case S_FAULT_GARBAGE:
        r->status = MHD_HTTP_OK;
        dp_buf_reset(&r->body);
        dp_buf_puts(&r->body, "not json at all");
        r->cacheable = 0;
        r->free_request = 0;
        dp_free(r->link);
        r->link = NULL;
        break;
    default:
        break;
    }
}

/* Is the fault applied to the normal answer rather than instead of it? */
static int s_fault_after(const fault_t *f)
{
    return f->kind == S_FAULT_TRUNCATE ||
           (f->kind == S_FAULT_RATEHDR && f->arg == MHD_HTTP_OK);
}

/* A redirect fault: Location is --redirect-to (or the stand-in's own
 * base) with the path below the prefix and the query of the request;
 * /repos/o/r/... becomes /repositories/<id>/... as for a renamed
 * repository, so a redirect to the stand-in itself ends. */
static void s_redirect(server_t *srv, const fault_t *f, const char *path,
                       const char *uri, reply_t *r)
{
    dp_buf_t loc = DP_BUF_INIT;
    dp_buf_puts(&loc, srv->redirect_to ? srv->redirect_to : srv->base_url);
    char *copy = dp_strdup(path);
    char *seg[S_SEGMENTS_MAX];
    size_t n = s_split(copy, seg);
    repo_t *repo = n >= 3 && n <= S_SEGMENTS_MAX && !strcmp(seg[0], "repos")
                       ? s_repo_by_name(srv, seg[1], seg[2])
                       : NULL;
    if (repo) {
        dp_buf_printf(&loc, "/repositories/%lld", repo->id);
        for (size_t i = 3; i < n; i++)
            dp_buf_printf(&loc, "/%s", seg[i]);
    } else {
        dp_buf_puts(&loc, path);
    }
    dp_free(copy);
    const char *query = strchr(uri, '?');
    if (query)
        dp_buf_puts(&loc, query);
    s_reply_message(r, (int)f->arg, "Moved Permanently");
    r->location = dp_buf_take(&loc);
    dp_buf_free(&loc);
    r->cacheable = 0;
}

/* ==== HTTP glue ==== */

typedef struct {
    char *body; /* owned copy of the full body */
    size_t cut; /* bytes sent before the connection is dropped */
} trunc_t;

static ssize_t s_trunc_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    trunc_t *t = cls;
    if (pos >= t->cut)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = t->cut - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, t->body + pos, n);
    return (ssize_t)n;
}

static void s_trunc_free(void *cls)
{
    trunc_t *t = cls;
    dp_free(t->body);
    dp_free(t);
}

typedef struct {
    long long limit;     /* x-ratelimit-limit */
    long long remaining; /* x-ratelimit-remaining */
    long long used;      /* x-ratelimit-used */
    int64_t reset;       /* x-ratelimit-reset */
    long long serial;    /* x-github-request-id */
} rate_snap_t;

/* Does "name=value|name=value" set this header? */
static int s_raw_has(const char *raw, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = raw; p && *p;) {
        if (strncasecmp(p, name, len) == 0 && p[len] == '=')
            return 1;
        p = strchr(p, '|');
        p = p ? p + 1 : NULL;
    }
    return 0;
}

/* Adds every header of "name=value|name=value", values verbatim. */
static void s_raw_add(struct MHD_Response *resp, const char *raw)
{
    char *copy = dp_strdup(raw ? raw : "");
    char *save = NULL;
    for (char *h = strtok_r(copy, "|", &save); h;
         h = strtok_r(NULL, "|", &save)) {
        char *eq = strchr(h, '=');
        if (!eq)
            continue;
        *eq = '\0';
        MHD_add_response_header(resp, h, eq + 1);
    }
    dp_free(copy);
}

static enum MHD_Result s_send(struct MHD_Connection *conn, reply_t *r,
                              const rate_snap_t *rate)
{
    char etag[80];
    s_etag(r->body.data ? r->body.data : "", r->body.len, etag, sizeof etag);
    struct MHD_Response *resp;
    if (r->status == MHD_HTTP_NOT_MODIFIED) {
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else if (r->truncate == S_TRUNC_CUT && r->body.len > 1) {
        trunc_t *t = dp_malloc(sizeof *t);
        t->body = dp_strndup(r->body.data, r->body.len);
        t->cut = r->body.len / 2;
        resp = MHD_create_response_from_callback(r->body.len, S_READ_BLOCK,
                                                 s_trunc_read, t, s_trunc_free);
        if (!resp)
            s_trunc_free(t);
    } else {
        size_t len = r->body.len;
        if (r->truncate)
            len /= 2;
        resp = MHD_create_response_from_buffer(
            len, r->body.data ? r->body.data : (char *)"",
            MHD_RESPMEM_MUST_COPY);
    }
    if (!resp)
        return MHD_NO;
    char num[32];
    const char *raw = r->raw_headers;
    MHD_add_response_header(resp, "Content-Type", r->content_type);
    MHD_add_response_header(resp, "ETag", etag);
    MHD_add_response_header(resp, "Cache-Control",
                            "private, max-age=60, s-maxage=60");
    MHD_add_response_header(resp, "Vary", "Accept, Authorization, Cookie");
    MHD_add_response_header(resp, "x-github-api-version-selected",
                            "2022-11-28");
    snprintf(num, sizeof num, "%lld", rate->limit);
    if (!s_raw_has(raw, "x-ratelimit-limit"))
        MHD_add_response_header(resp, "x-ratelimit-limit", num);
    snprintf(num, sizeof num, "%lld", rate->remaining);
    if (!s_raw_has(raw, "x-ratelimit-remaining"))
        MHD_add_response_header(resp, "x-ratelimit-remaining", num);
    snprintf(num, sizeof num, "%lld", rate->used);
    if (!s_raw_has(raw, "x-ratelimit-used"))
        MHD_add_response_header(resp, "x-ratelimit-used", num);
    snprintf(num, sizeof num, "%" PRId64, rate->reset);
    if (!s_raw_has(raw, "x-ratelimit-reset"))
        MHD_add_response_header(resp, "x-ratelimit-reset", num);
    s_raw_add(resp, raw);
    MHD_add_response_header(resp, "x-ratelimit-resource", "core");
    snprintf(num, sizeof num, "D0C5:%04llX:%06llX:%08llX",
             rate->serial % 0xffff, rate->serial * 7919 % 0xffffff,
             rate->serial);
    MHD_add_response_header(resp, "x-github-request-id", num);
    if (r->link)
        MHD_add_response_header(resp, "Link", r->link);
    if (r->location)
        MHD_add_response_header(resp, "Location", r->location);
    if (r->retry_after >= 0) {
        snprintf(num, sizeof num, "%lld", r->retry_after);
        MHD_add_response_header(resp, "retry-after", num);
    }
    if (r->poll_interval > 0) {
        snprintf(num, sizeof num, "%lld", r->poll_interval);
        MHD_add_response_header(resp, "X-Poll-Interval", num);
    }
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Starts a new rate-limit window when the current one has ended. */
static void s_rate_roll(server_t *srv)
{
    int64_t now = (int64_t)time(NULL);
    if (now >= srv->reset_at) {
        srv->used = 0;
        srv->reset_at = now + S_RATE_WINDOW_S;
    }
}

/* Answers /_standin/... outside the counters; 1 when path was one. */
static int s_standin_path(server_t *srv, const char *method, const char *path,
                          reply_t *r)
{
    if (strncmp(path, "/_standin/", 10) != 0)
        return 0;
    if (strcmp(path, "/_standin/stats") == 0 &&
        (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0))
        s_stats(srv, r);
    else if (strcmp(path, "/_standin/reset") == 0 &&
             strcmp(method, "POST") == 0)
        s_stats_reset(srv, r);
    else
        s_reply_not_found(r);
    return 1;
}

/* Handles one complete request; fills r and the rate snapshot. */
static void s_handle(server_t *srv, struct MHD_Connection *conn,
                     const char *method, const char *url, const req_t *req,
                     reply_t *r, rate_snap_t *rate)
{
    query_t q;
    const char *uri = req->uri;
    s_query_parse(&q, uri);
    const char *api = s_strip_prefix(srv, url);

    pthread_mutex_lock(&srv->lock);
    s_rate_roll(srv);
    if (s_standin_path(srv, method, url, r) ||
        (api && s_standin_path(srv, method, api, r)))
        goto snapshot;

    srv->requests++;
    if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"))
        srv->authorization++;
    s_count(srv->by_path, url, S_BY_PATH_MAX);
    fault_t *fault = s_fault_take(srv, url);
    if (fault && fault->kind == S_FAULT_HANG) {
        long long ms = fault->arg;
        pthread_mutex_unlock(&srv->lock);
        s_sleep_ms(ms);
        pthread_mutex_lock(&srv->lock);
        s_rate_roll(srv);
        fault = NULL;
    }
    if (fault && fault->kind == S_FAULT_REDIRECT) {
        s_redirect(srv, fault, api ? api : url, uri, r);
    } else if (fault && !s_fault_after(fault)) {
        s_fault_reply(fault, r);
    } else if (!s_authorized(srv,
                             MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                         "Authorization"))) {
        s_reply_message(r, MHD_HTTP_UNAUTHORIZED, "Bad credentials");
    } else if (!strcmp(url, srv->gql_path)) {
        s_graphql(srv, method, req,
                  MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                              "Authorization") != NULL,
                  r);
        if (fault)
            s_fault_reply(fault, r);
    } else if (srv->used >= srv->rate_limit && api &&
               strcmp(api, "/rate_limit") != 0) {
        s_reply_json(r, MHD_HTTP_FORBIDDEN,
                     json_pack("{s:s, s:s}", "message",
                               "API rate limit exceeded for 127.0.0.1. "
                               "(But here's the good news: Authenticated "
                               "requests get a higher rate limit. Check out "
                               "the documentation for more details.)",
                               "documentation_url",
                               "https://docs.github.com/rest/overview/"
                               "rate-limits-for-the-rest-api"));
    } else if (!api) {
        s_reply_not_found(r);
    } else {
        s_route(srv, method, api, &q, r);
        if (fault)
            s_fault_reply(fault, r); /* truncate the normal answer, or
                                      * give it other rate headers */
    }

    const char *inm =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    char etag[80];
    if (r->cacheable && r->status == MHD_HTTP_OK && inm) {
        s_etag(r->body.data ? r->body.data : "", r->body.len, etag,
               sizeof etag);
        if (s_etag_matches(inm, etag))
            r->status = MHD_HTTP_NOT_MODIFIED;
    }
    if (r->status == MHD_HTTP_NOT_MODIFIED) {
        srv->not_modified++;
    } else if (!r->free_request) {
        srv->counted++;
        if (srv->used < srv->rate_limit && !r->graphql)
            srv->used++;
    }
    char status[16];
    snprintf(status, sizeof status, "%d", r->status);
    s_count(srv->by_status, status, S_BY_PATH_MAX);

snapshot:
    rate->limit = srv->rate_limit;
    rate->used = srv->used;
    rate->remaining = srv->rate_limit - srv->used;
    rate->reset = srv->reset_at;
    rate->serial = ++srv->serial;
    pthread_mutex_unlock(&srv->lock);
    s_query_free(&q);
}

/* MHD: the raw URI, captured before parsing; becomes the request state. */
static void *s_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    req_t *req = dp_calloc(1, sizeof *req);
    req->uri = dp_strdup(uri ? uri : "/");
    return req;
}

static void s_on_completed(void *cls, struct MHD_Connection *conn,
                           void **con_cls, enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)conn;
    (void)code;
    req_t *req = *con_cls;
    if (req) {
        dp_free(req->uri);
        dp_buf_free(&req->body);
        dp_free(req);
        *con_cls = NULL;
    }
}

static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *conn,
                                    const char *url, const char *method,
                                    const char *version,
                                    const char *upload_data,
                                    size_t *upload_data_size, void **con_cls)
{
    server_t *srv = cls;
    (void)version;
    req_t *req = *con_cls;
    if (!req) {
        req = s_on_uri(NULL, url, conn);
        *con_cls = req;
    }
    if (!req->started) {
        req->started = 1;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* Kept for GraphQL, up to a bound; other bodies are ignored. */
        if (!standin_upload(&req->body, S_GQL_BODY_MAX, upload_data,
                            upload_data_size))
            req->too_big = 1;
        return MHD_YES;
    }
    reply_t r;
    rate_snap_t rate;
    s_reply_init(&r);
    s_handle(srv, conn, method, url ? url : "/", req, &r, &rate);
    if (srv->verbose)
        dp_log(DP_LOG_INFO, "%s %s %d", method, req->uri, r.status);
    enum MHD_Result ret = s_send(conn, &r, &rate);
    s_reply_free(&r);
    return ret;
}

/* ==== Start-up ==== */

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: gh-standin --data DIR [--port N] [--prefix /api/v3]\n"
            "                  [--token T] [--per-page-max N] [--max-page N]\n"
            "                  [--rate-limit N] [--host 127.x.y.z]\n"
            "                  [--link-base URL] [--redirect-to URL]\n"
            "                  [--fault SUBSTR:KIND:COUNT[:ARG]]... "
            "[--verbose]\n"
            "                  [--graphql-validator validate.js] "
            "[--no-graphql]\n"
            "                  [--graphql-warm] [--poll-interval S]\n"
            "KIND: status (ARG = HTTP status, default 500), html503,\n"
            "      secondary (ARG = retry-after s, default 60), r429 (same),\n"
            "      hang (ARG = ms, default 1000), truncate (ARG cut|short),\n"
            "      garbage, redirect (ARG = 301, 302, 307 or 308),\n"
            "      ratehdr (ARG = STATUS|name=value|..., sent verbatim).\n"
            "COUNT 0 = forever. {port} in --link-base is the port bound.\n");
}

static int s_fault_parse(server_t *srv, const char *spec)
{
    if (srv->n_faults == S_FAULTS_MAX) {
        fprintf(stderr, "gh-standin: too many --fault options\n");
        return -1;
    }
    static const struct {
        const char *name; /* KIND as written */
        int kind;         /* S_FAULT_* */
        long long arg;    /* default ARG */
    } kinds[] = {{"status", S_FAULT_STATUS, 500},
                 {"html503", S_FAULT_HTML503, 0},
                 {"secondary", S_FAULT_SECONDARY, 60},
                 {"r429", S_FAULT_R429, 60},
                 {"hang", S_FAULT_HANG, 1000},
                 {"truncate", S_FAULT_TRUNCATE, 0},
                 {"garbage", S_FAULT_GARBAGE, 0},
                 {"redirect", S_FAULT_REDIRECT, 301},
                 {"ratehdr", S_FAULT_RATEHDR, 200}};
    char *copy = dp_strdup(spec);
    char *part[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    char *p = copy;
    part[n++] = p;
    while (n < 4 && (p = strchr(p, ':')) != NULL) {
        *p++ = '\0';
        part[n++] = p;
    }
    fault_t *f = &srv->faults[srv->n_faults];
    memset(f, 0, sizeof *f);
    int rc = -1;
    size_t k;
    long long count;
    if (n < 3)
        goto out;
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (strcmp(part[1], kinds[k].name) == 0)
            break;
    if (k == sizeof kinds / sizeof kinds[0])
        goto out;
    if (s_parse_ll(part[2], 0, INT64_MAX, &count) < 0)
        goto out;
    f->kind = kinds[k].kind;
    f->arg = kinds[k].arg;
    f->left = count == 0 ? -1 : count;
    if (n == 4 && f->kind == S_FAULT_RATEHDR) {
        char *bar = strchr(part[3], '|');
        if (bar)
            *bar = '\0';
        if (s_parse_ll(part[3], 200, 599, &f->arg) < 0)
            goto out;
        f->headers = dp_strdup(bar ? bar + 1 : "");
    } else if (n == 4 && f->kind == S_FAULT_REDIRECT) {
        if (s_parse_ll(part[3], 301, 308, &f->arg) < 0 || f->arg == 304 ||
            f->arg == 305 || f->arg == 306)
            goto out;
    } else if (n == 4 && f->kind == S_FAULT_TRUNCATE) {
        if (strcmp(part[3], "short") == 0)
            f->short_body = 1;
        else if (strcmp(part[3], "cut") != 0)
            goto out;
    } else if (n == 4 && *part[3]) {
        long long lo = f->kind == S_FAULT_STATUS ? 100 : 0;
        long long hi = f->kind == S_FAULT_STATUS ? 599 : 86400000;
        if (s_parse_ll(part[3], lo, hi, &f->arg) < 0)
            goto out;
    }
    f->substr = dp_strdup(part[0]);
    srv->n_faults++;
    rc = 0;
out:
    if (rc < 0)
        fprintf(stderr,
                "gh-standin: bad --fault '%s' (want "
                "SUBSTR:KIND:COUNT[:ARG])\n",
                spec);
    dp_free(copy);
    return rc;
}

/* Parses argv into srv; returns 0, 1 for --help, or -1. */
static int s_parse_args(server_t *srv, int argc, char **argv, long long *port)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return 1;
        if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            srv->verbose = 1;
            continue;
        }
        if (strcmp(a, "--no-graphql") == 0) {
            srv->no_graphql = 1;
            continue;
        }
        if (strcmp(a, "--graphql-warm") == 0) {
            srv->gql_warm = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "gh-standin: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--data") == 0) {
            dp_free(srv->data_dir);
            srv->data_dir = dp_strdup(v);
        } else if (strcmp(a, "--port") == 0) {
            if (s_parse_ll(v, 0, 65535, port) < 0) {
                fprintf(stderr, "gh-standin: bad --port '%s'\n", v);
                return -1;
            }
        } else if (strcmp(a, "--prefix") == 0) {
            size_t len = strlen(v);
            while (len && v[len - 1] == '/')
                len--;
            dp_free(srv->prefix);
            if (len && v[0] != '/') {
                char *tmp = dp_strndup(v, len);
                srv->prefix = dp_asprintf("/%s", tmp);
                dp_free(tmp);
            } else {
                srv->prefix = dp_strndup(v, len);
            }
        } else if (strcmp(a, "--host") == 0) {
            struct in_addr in;
            if (inet_pton(AF_INET, v, &in) != 1 ||
                (ntohl(in.s_addr) >> 24) != 127) {
                fprintf(stderr, "gh-standin: --host '%s' is no 127.x.y.z\n", v);
                return -1;
            }
            dp_free(srv->host);
            srv->host = dp_strdup(v);
        } else if (strcmp(a, "--link-base") == 0) {
            dp_free(srv->link_base);
            srv->link_base = dp_strdup(v); /* {port} expanded once bound */
        } else if (strcmp(a, "--redirect-to") == 0) {
            dp_free(srv->redirect_to);
            srv->redirect_to = dp_strdup(v);
        } else if (strcmp(a, "--graphql-validator") == 0) {
            dp_free(srv->validator);
            srv->validator = dp_strdup(v);
        } else if (strcmp(a, "--token") == 0) {
            dp_free(srv->token);
            srv->token = dp_strdup(v);
        } else if (strcmp(a, "--per-page-max") == 0) {
            if (s_parse_ll(v, 1, 1000000, &srv->per_page_max) < 0) {
                fprintf(stderr, "gh-standin: bad --per-page-max '%s'\n", v);
                return -1;
            }
        } else if (strcmp(a, "--max-page") == 0) {
            if (s_parse_ll(v, 1, INT64_MAX / 2, &srv->max_page) < 0) {
                fprintf(stderr, "gh-standin: bad --max-page '%s'\n", v);
                return -1;
            }
        } else if (strcmp(a, "--rate-limit") == 0) {
            if (s_parse_ll(v, 0, INT64_MAX / 2, &srv->rate_limit) < 0) {
                fprintf(stderr, "gh-standin: bad --rate-limit '%s'\n", v);
                return -1;
            }
        } else if (strcmp(a, "--fault") == 0) {
            if (s_fault_parse(srv, v) < 0)
                return -1;
        } else if (strcmp(a, "--poll-interval") == 0) {
            if (s_parse_ll(v, 0, 86400, &srv->poll_interval) < 0) {
                fprintf(stderr, "gh-standin: bad --poll-interval '%s'\n", v);
                return -1;
            }
        } else {
            fprintf(stderr, "gh-standin: unknown option %s\n", a);
            return -1;
        }
    }
    if (!srv->data_dir) {
        fprintf(stderr, "gh-standin: --data DIR is required\n");
        return -1;
    }
    return 0;
}

/* Replaces "{port}" in *text (owned, may be NULL) by the port bound. */
static void s_expand_port(char **text, unsigned port)
{
    char *at = *text ? strstr(*text, "{port}") : NULL;
    if (!at)
        return;
    char *done = dp_asprintf("%.*s%u%s", (int)(at - *text), *text, port,
                             at + strlen("{port}"));
    dp_free(*text);
    *text = done;
}

static void s_server_free(server_t *srv)
{
    for (size_t i = 0; i < srv->n_repos; i++)
        s_repo_free(&srv->repos[i]);
    dp_free(srv->repos);
    for (size_t i = 0; i < srv->n_faults; i++) {
        dp_free(srv->faults[i].substr);
        dp_free(srv->faults[i].headers);
    }
    dp_free(srv->host);
    dp_free(srv->link_base);
    dp_free(srv->redirect_to);
    json_decref(srv->by_path);
    json_decref(srv->by_status);
    dp_free(srv->data_dir);
    dp_free(srv->prefix);
    dp_free(srv->token);
    s_validator_stop(srv);
    json_decref(srv->vcache);
    dp_free(srv->validator);
    dp_free(srv->gql_path);
    pthread_mutex_destroy(&srv->lock);
}

int main(int argc, char **argv)
{
    static server_t srv;
    long long port = 0;
    int rc = 2;
    int fd = -1;
    struct MHD_Daemon *daemon = NULL;

    dp_log_init("gh-standin");
    pthread_mutex_init(&srv.lock, NULL);
    srv.prefix = dp_strdup("");
    srv.per_page_max = 100;
    srv.rate_limit = S_RATE_LIMIT_DEFAULT;
    srv.poll_interval = S_POLL_INTERVAL_DEFAULT;
    srv.by_path = json_object();
    srv.by_status = json_object();
    srv.vcache = json_object();
    srv.reset_at = (int64_t)time(NULL) + S_RATE_WINDOW_S;

    int parsed = s_parse_args(&srv, argc, argv, &port);
    if (parsed != 0) {
        s_usage(parsed > 0 ? stdout : stderr);
        rc = parsed > 0 ? 0 : 2;
        goto out;
    }
    if (srv.verbose)
        dp_log_set_level(DP_LOG_INFO);
    if (!srv.validator)
        srv.validator = dp_strdup(S_GQL_VALIDATOR);
    /* GitHub Enterprise Server: REST below /api/v3, GraphQL at
     * /api/graphql; elsewhere GraphQL sits below the REST base. */
    size_t plen = strlen(srv.prefix);
    if (plen >= 3 && !strcmp(srv.prefix + plen - 3, "/v3"))
        srv.gql_path = dp_asprintf("%.*s/graphql", (int)(plen - 3), srv.prefix);
    else
        srv.gql_path = dp_asprintf("%s/graphql", srv.prefix);
    if (s_dataset_load(&srv) < 0) {
        rc = 1;
        goto out;
    }
    /* node takes a second or more to read GitHub's schema: a client with a
     * short timeout asks for it to be read before the URL is printed. */
    if (srv.gql_warm && !s_validate(&srv, "{ viewer { login } }")) {
        fprintf(stderr, "gh-standin: no GraphQL validator (node %s)\n",
                srv.validator);
        rc = 1;
        goto out;
    }

    /* Signals are taken by sigwait() here; every thread inherits the mask. */
    sigset_t sigs;
    standin_signals(&sigs);

    unsigned bound = 0;
    const char *host = srv.host ? srv.host : "127.0.0.1";
    fd = standin_listen(host, port, &bound);
    if (fd < 0) {
        fprintf(stderr, "gh-standin: cannot listen on %s:%lld: %s\n", host,
                port, strerror(errno));
        rc = 1;
        goto out;
    }
    snprintf(srv.base_url, sizeof srv.base_url, "http://%s:%u%s", host, bound,
             srv.prefix);
    s_expand_port(&srv.link_base, bound);
    s_expand_port(&srv.redirect_to, bound);
    const standin_server_t server = {
        s_on_request,     &srv,       s_on_completed, s_on_uri, S_CONN_LIMIT,
        S_CONN_TIMEOUT_S, srv.verbose};
    daemon = standin_start(fd, &server);
    if (!daemon) {
        fprintf(stderr, "gh-standin: cannot start the HTTP server\n");
        rc = 1;
        goto out;
    }
    fd = -1; /* the daemon owns it now */
    printf("%s\n", srv.base_url);
    fflush(stdout);
    if (srv.verbose)
        dp_log(DP_LOG_INFO, "serving %zu repositories from %s at %s",
               srv.n_repos, srv.data_dir, srv.base_url);

    standin_wait(&sigs);
    s_stopping = 1;
    rc = 0;
out:
    if (daemon)
        MHD_stop_daemon(daemon);
    if (fd >= 0)
        close(fd);
    s_server_free(&srv);
    return rc;
}
