/* main.c - the devpulse command: one-shot reports, the long-running
 * service, backfills and bus taps */
/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "backfill.h"
#include "dp_bus.h"
#include "dp_config.h"
#include "dp_fs.h"
#include "dp_json.h"
#include "dp_log.h"
#include "dp_proto.h"
#include "dp_service.h"
#include "dp_time.h"
#include "dp_watch.h"
#include "health.h"
#include "runner.h"
#include "stack.h"

#define DEVPULSE_TICK_MS 200
#define DEVPULSE_DIR_MODE 0755
#define DEVPULSE_STATE_DIR ".devpulse" /* up's state directory by default */
#define DEVPULSE_REQUEST_OPTS 9        /* request's options: the first 9 */

static const char *const s_usage =
    "usage: devpulse report OWNER/REPO... [--org NAME]... --from ISO --to "
    "ISO\n"
    "                       [--lang zh|en] [--jobs N]\n"
    "                       [--out DIR] [--format md,json,html,atom] [--name "
    "NAME]\n"
    "                       [--tz ZONE] [--timeout SECONDS] "
    "[--resummarize]\n"
    "       devpulse report --connect CTL --reports PUB OWNER/REPO... "
    "--from ISO\n"
    "                       --to ISO [--lang zh|en] [--tz ZONE] [--timeout "
    "SECONDS]\n"
    "       devpulse request OWNER/REPO --from ISO --to ISO [--connect CTL]\n"
    "                       [--reports PUB] [--state DIR] [--lang zh|en] "
    "[--tz ZONE]\n"
    "                       [--timeout SECONDS]   (ask a running stack)\n"
    "       devpulse up -c devpulse.yml [--state DIR] [--since ISO]\n"
    "       devpulse backfill -c devpulse.yml --from ISO --to ISO [--state "
    "DIR]\n"
    "                       [--jobs N] [--timeout SECONDS]\n"
    "       devpulse tap [SUBJECT-PREFIX] [--state DIR | --endpoints LIST]\n"
    "       devpulse keygen > curve.key   (a CurveZMQ keypair; chmod 600)\n"
    "       devpulse health URL   (exit 0 when URL answers 200 within 3 s)\n"
    "Environment: GITHUB_API_URL, GITHUB_TOKEN, REDIS_URL (a private\n"
    "redis-server is started when unset), DP_LOG_LEVEL, DP_CURVE_KEY_FILE.\n";

/* ==== Instants on the command line ==== */

/* Parses the instant given to a flag of a command. Every instant on the
 * command line (report and backfill --from/--to, up --since) is checked
 * here, so a rule for all of them goes here. Returns 0, or prints one line
 * and returns DP_EINVAL. */
static int s_instant(const char *cmd, const char *flag, const char *value,
                     int64_t *t, int *offset)
{
    char err[256];
    if (dp_time_parse_bound(flag, value, dp_time_now(), t, offset, err,
                            sizeof err) == 0)
        return 0;
    fprintf(stderr, "devpulse %s: %s\n", cmd, err);
    return DP_EINVAL;
}

/* Parses --from and --to, which both must be given, --to later. Stores
 * the offset written in --from in *offset when it is not NULL. Returns 0,
 * or prints one line and returns DP_EINVAL. */
static int s_range(const char *cmd, const char *from_s, const char *to_s,
                   int64_t *from, int64_t *to, int *offset)
{
    if (!from_s || !to_s) {
        fprintf(stderr, "devpulse %s: --from and --to are required\n", cmd);
        return DP_EINVAL;
    }
    if (s_instant(cmd, "--from", from_s, from, offset) < 0 ||
        s_instant(cmd, "--to", to_s, to, NULL) < 0)
        return DP_EINVAL;
    if (*to <= *from) {
        fprintf(stderr, "devpulse %s: --to must be later than --from\n", cmd);
        return DP_EINVAL;
    }
    return 0;
}

/* ==== report ==== */

#define DEVPULSE_ORG_MAX 39 /* GitHub's longest organization name */

/* What a report of several repositories keeps while they come in. */
typedef struct {
    const stack_window_t *windows;
    size_t n;
    char **paths;       /* per window, once reported (printed in order) */
    bool *ended;        /* per window: reported or failed */
    size_t printed;     /* windows [0, printed) are done with */
    dp_strs_t failures; /* "OWNER/REPO: reason", in the order they came */
} s_multi_t;

/* Prints the paths of the windows ended so far, in the order asked. */
static void s_multi_flush(s_multi_t *m)
{
    for (; m->printed < m->n && m->ended[m->printed]; m->printed++)
        if (m->paths[m->printed])
            printf("%s\n", m->paths[m->printed]);
    fflush(stdout);
}

/* Sets m up for one window like w of each of repos (borrowed) and
 * returns the windows (the caller frees them). */
static stack_window_t *s_multi_init(s_multi_t *m, const dp_strs_t *repos,
                                    const stack_window_t *w)
{
    m->n = repos->count;
    stack_window_t *windows = dp_calloc(m->n + 1, sizeof *windows);
    m->windows = windows;
    m->paths = dp_calloc(m->n + 1, sizeof *m->paths);
    m->ended = dp_calloc(m->n + 1, sizeof *m->ended);
    for (size_t i = 0; i < m->n; i++) {
        windows[i] = *w;
        windows[i].repo = repos->items[i];
    }
    return windows;
}

/* Keeps a window's path, or prints why there is none (at once: a failure
 * is worth seeing while the others run). */
static void s_report_done(void *arg, size_t index, const char *path,
                          const char *error)
{
    s_multi_t *m = arg;
    m->ended[index] = true;
    if (path) {
        m->paths[index] = dp_strdup(path);
    } else {
        /* The reason names the repository unless it is a bare one. */
        const char *repo = m->windows[index].repo;
        size_t rlen = strlen(repo);
        bool named = !strncmp(error, repo, rlen) && error[rlen] == ':';
        char *line =
            named ? dp_strdup(error) : dp_asprintf("%s: %s", repo, error);
        fprintf(stderr, "devpulse: %s\n", m->n > 1 ? line : error);
        dp_strs_push(&m->failures, line);
        dp_free(line);
    }
    s_multi_flush(m);
}

/* True when name may be a GitHub organization: letters, digits and
 * inner single hyphens, at most 39 characters. */
static bool s_org_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > DEVPULSE_ORG_MAX || name[0] == '-' ||
        name[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9');
        if (!alnum && (c != '-' || name[i + 1] == '-'))
            return false;
    }
    return true;
}

/* Moves every "--org NAME" and "--org=NAME" of argv into orgs (the flag
 * may be given many times) and compacts argv. Returns the new argc, or -1
 * with one line printed for a missing or invalid name. */
static int s_take_orgs(int argc, char **argv, dp_strs_t *orgs)
{
    int out = 0;
    for (int i = 0; i < argc; i++) {
        const char *name = NULL;
        if (!strcmp(argv[i], "--org")) {
            name = i + 1 < argc ? argv[++i] : "";
        } else if (!strncmp(argv[i], "--org=", 6)) {
            name = argv[i] + 6;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        if (!s_org_valid(name)) {
            fprintf(stderr,
                    "devpulse report: --org: \"%s\" is not an organization "
                    "name\n",
                    name);
            return -1;
        }
        dp_strs_push(orgs, name);
    }
    argv[out] = NULL;
    return out;
}

/* True when list holds s. */
static bool s_strs_has(const dp_strs_t *list, const char *s)
{
    for (size_t i = 0; i < list->count; i++)
        if (!strcmp(list->items[i], s))
            return true;
    return false;
}

/* Adds the repositories of the organizations to repos (each once, after
 * those given by name). A listing that fails is a failure of the report
 * (in failures), not the end of it. */
static void s_expand_orgs(stack_t *stack, const dp_strs_t *orgs,
                          dp_strs_t *repos, dp_strs_t *failures)
{
    for (size_t i = 0; i < orgs->count; i++) {
        dp_strs_t found = {0};
        if (stack_list_org(stack, orgs->items[i], &found) < 0) {
            char *line = dp_asprintf("organization %s could not be listed",
                                     orgs->items[i]);
            fprintf(stderr, "devpulse report: %s\n", line);
            dp_strs_push(failures, line);
            dp_free(line);
        }
        for (size_t k = 0; k < found.count; k++)
            if (!s_strs_has(repos, found.items[k]))
                dp_strs_push(repos, found.items[k]);
        dp_strs_clear(&found);
    }
}

/* Fills repos with the repositories of rest (each once), and orgs with
 * org_file (the -c file's org) unless it is there; for request, exactly
 * one repository. Returns 0, or prints one line and returns DP_EINVAL. */
static int s_report_repos(const char *cmd, const char *const *rest,
                          size_t nrest, const char *org_file, dp_strs_t *repos,
                          dp_strs_t *orgs)
{
    if (org_file) {
        if (!s_org_valid(org_file)) {
            fprintf(stderr,
                    "devpulse %s: org: \"%s\" is not an organization "
                    "name\n",
                    cmd, org_file);
            return DP_EINVAL;
        }
        if (!s_strs_has(orgs, org_file))
            dp_strs_push(orgs, org_file);
    }
    for (size_t i = 0; i < nrest; i++) {
        if (!dp_repo_valid(rest[i])) {
            fprintf(stderr,
                    "devpulse %s: give one repository as OWNER/REPO, "
                    "not %s\n",
                    cmd, rest[i]);
            return DP_EINVAL;
        }
        if (!s_strs_has(repos, rest[i]))
            dp_strs_push(repos, rest[i]);
    }
    bool request = !strcmp(cmd, "request");
    if (request && nrest != 1) {
        fprintf(stderr, "devpulse request: give one repository as "
                        "OWNER/REPO\n");
        return DP_EINVAL;
    }
    if (repos->count == 0 && orgs->count == 0) {
        fprintf(stderr,
                "devpulse %s: give one repository as OWNER/REPO "
                "(or more, or --org NAME)\n",
                cmd);
        return DP_EINVAL;
    }
    return 0;
}

/* Where a report or request asks for its windows when it starts no stack
 * of its own: --connect (request: else DP_REQUEST_CTL) with --reports
 * (else DP_REQUEST_REPORTS); else the `devpulse up` of --state (request:
 * else DP_STATE_DIR, else .devpulse, as up), whose taps --reports
 * replaces when given. The stack's key file, if any, is put in the
 * environment (DP_CURVE_KEY_FILE) for the bus. Returns 0, or prints one
 * line and returns DP_EINVAL or DP_ENOTFOUND. */
static int s_running_ends(const char *cmd, const char *connect,
                          const char *reports, const char *state,
                          stack_ends_t *ends)
{
    bool request = !strcmp(cmd, "request");
    const char *env_ctl = request ? getenv("DP_REQUEST_CTL") : NULL;
    const char *env_reports = getenv("DP_REQUEST_REPORTS");
    const char *env_state = request ? getenv("DP_STATE_DIR") : NULL;
    const char *ctl = connect ? connect : env_ctl && *env_ctl ? env_ctl : NULL;
    const char *taps = reports                       ? reports
                       : env_reports && *env_reports ? env_reports
                                                     : NULL;
    const char *dir = state                     ? state
                      : env_state && *env_state ? env_state
                                                : DEVPULSE_STATE_DIR;
    memset(ends, 0, sizeof *ends);
    if (ctl && !taps) {
        fprintf(stderr,
                "devpulse %s: --connect needs --reports PUB, the "
                "renderer's report tap (e.g. tcp://HOST:7401)\n",
                cmd);
        return DP_EINVAL;
    }
    if (!ctl) {
        char err[1024];
        if (stack_ends_of_state(dir, ends, err, sizeof err) < 0) {
            fprintf(stderr, "devpulse %s: %s\n", cmd, err);
            return DP_ENOTFOUND;
        }
    } else {
        ends->ctl = dp_strdup(ctl);
    }
    if (taps) {
        dp_free(ends->taps);
        ends->taps = dp_strdup(taps);
    }
    if (ends->keyfile)
        setenv("DP_CURVE_KEY_FILE", ends->keyfile, 1);
    return 0;
}

/* Starts the stack of a report (out exists) and adds the repositories of
 * orgs to repos. NULL on failure, said on stderr. */
static stack_t *s_report_stack(const char *out, const char *rules,
                               const char *format, bool resummarize,
                               const dp_strs_t *orgs, dp_strs_t *repos,
                               dp_strs_t *failures)
{
    char *out_dir = realpath(out, NULL);
    if (!out_dir)
        return NULL;
    stack_cfg_t cfg = {.rules = rules,
                       .out_dir = out_dir,
                       .formats = format,
                       .resummarize = resummarize};
    stack_t *stack = stack_start(&cfg);
    free(out_dir);
    if (stack)
        s_expand_orgs(stack, orgs, repos, failures);
    return stack;
}

/* The display zone of the windows: tz when it is a known zone, else
 * (tz NULL) the offset of --from, written into buf. 0, or one line
 * printed and DP_EINVAL. */
static int s_report_tz(const char *cmd, const char *tz, int64_t from,
                       int offset, char *buf, size_t len)
{
    int probe;
    if (tz && dp_tz_offset(tz, from, &probe) < 0) {
        fprintf(stderr, "devpulse %s: --tz: unknown zone \"%s\"\n", cmd, tz);
        return DP_EINVAL;
    }
    snprintf(buf, len, "%c%02d:%02d", offset < 0 ? '-' : '+',
             abs(offset) / 3600, abs(offset) % 3600 / 60);
    return 0;
}

/* Says what failed of a report of several windows (or organizations) and
 * returns its exit status: 0 when every window was reported. */
static int s_report_summary(const s_multi_t *m, size_t norgs, int qrc)
{
    if (m->n + norgs > 1 && m->failures.count) {
        fprintf(stderr, "devpulse report: %zu failed:\n", m->failures.count);
        for (size_t i = 0; i < m->failures.count; i++)
            fprintf(stderr, "  %s\n", m->failures.items[i]);
    }
    if (m->n == 0 && m->failures.count == 0)
        fprintf(stderr, "devpulse report: the organizations have no public "
                        "repository to report\n");
    return qrc == 0 && m->failures.count == 0 && m->n > 0 ? 0 : 1;
}

/* devpulse report (request false) runs a stack of its own for its
 * windows, unless --connect or --state name a running one; devpulse
 * request (request true) always asks a running one, for one window. */
static int s_report(int argc, char **argv, bool request)
{
    const char *cmd = request ? "request" : "report";
    char *from_s = NULL, *to_s = NULL, *lang = NULL, *out = NULL;
    char *format = NULL, *name = NULL, *tz = NULL, *rules = NULL;
    char *org_file = NULL, *connect = NULL, *reports = NULL, *state = NULL;
    long timeout_s = 0, jobs = 0;
    bool resummarize = false;
    /* Those of both commands first; request takes only those. */
    dp_opt_t opts[] = {
        {"from", NULL, "--from", DP_OPT_STR, &from_s, NULL, 0, 0, NULL, false,
         "window start, e.g. 2025-12-10T18:29+08:00"},
        {"to", NULL, "--to", DP_OPT_STR, &to_s, NULL, 0, 0, NULL, false,
         "window end (exclusive)"},
        {"lang", "DP_LANG", "--lang", DP_OPT_ENUM, &lang, "zh", 0, 0, "zh|en",
         false, "report language"},
        {"name", "DP_NAME", "--name", DP_OPT_STR, &name, NULL, 0, 0, NULL,
         false, "project name shown in the report"},
        {"tz", "DP_TZ", "--tz", DP_OPT_STR, &tz, NULL, 0, 0, NULL, false,
         "display time zone (default: the offset of --from)"},
        {"timeout", "DP_TIMEOUT_S", "--timeout", DP_OPT_INT, &timeout_s, "600",
         1, 86400, NULL, false, "seconds to wait for the report"},
        {"connect", NULL, "--connect", DP_OPT_STR, &connect, NULL, 0, 0, NULL,
         false,
         "ask the running stack whose collector control socket this is "
         "(e.g. tcp://127.0.0.1:7100; request: else DP_REQUEST_CTL)"},
        {"reports", NULL, "--reports", DP_OPT_STR, &reports, NULL, 0, 0, NULL,
         false,
         "its renderer's report tap (e.g. tcp://127.0.0.1:7401; a list may "
         "add the collector's, to hear a refused window; else "
         "DP_REQUEST_REPORTS)"},
        {"state_dir", NULL, "--state", DP_OPT_STR, &state, NULL, 0, 0, NULL,
         false,
         "ask the devpulse up running on this state directory (request: "
         "else DP_STATE_DIR, else .devpulse)"},
        {"out", "DP_OUT_DIR", "--out", DP_OPT_STR, &out, "site", 0, 0, NULL,
         false, "output directory"},
        {"format", "DP_FORMATS", "--format", DP_OPT_STR, &format, "md,json", 0,
         0, NULL, false, "output formats"},
        {"rules", "DP_RULES", "--rules", DP_OPT_STR, &rules, DP_DEFAULT_RULES,
         0, 0, NULL, false, "topic rules file"},
        {"jobs", "DP_REPORT_JOBS", "--jobs", DP_OPT_INT, &jobs, "100", 1, 1000,
         NULL, false,
         "repositories asked for at a time (the collector learns which of "
         "them changed at all in one GraphQL query)"},
        {"resummarize", NULL, "--resummarize", DP_OPT_BOOL, &resummarize,
         "false", 0, 0, NULL, false,
         "rewrite the text with the LLM, ignoring its cached answers"},
        /* On the command line, taken by s_take_orgs (repeatable); what
         * is left here came from the -c file. */
        {"org", NULL, "--org", DP_OPT_STR, &org_file, NULL, 0, 0, NULL, false,
         "also every public, unarchived repository of this organization "
         "(repeatable)"},
    };
    size_t nopts = request ? DEVPULSE_REQUEST_OPTS : sizeof opts / sizeof *opts;
    char err[512];
    const char **rest = NULL;
    size_t nrest = 0;
    dp_strs_t orgs = {0}, repos = {0};
    s_multi_t m = {0};
    stack_window_t *windows = NULL;
    stack_t *stack = NULL;
    stack_ends_t ends = {0};
    int rc = request ? argc : s_take_orgs(argc, argv, &orgs);
    if (rc < 0) {
        rc = 2;
        goto out;
    }
    rc = dp_config_load(opts, nopts, rc, argv, NULL, &rest, &nrest, NULL, err,
                        sizeof err);
    if (rc == DP_EAGAIN) {
        rc = 0;
        goto out;
    }
    if (rc < 0) {
        fprintf(stderr, "devpulse %s: %s\n", cmd, err);
        rc = 2;
        goto out;
    }
    int64_t from = 0, to = 0;
    int offset = 0;
    rc = 2;
    if (s_report_repos(cmd, rest, nrest, org_file, &repos, &orgs) < 0 ||
        s_range(cmd, from_s, to_s, &from, &to, &offset) < 0)
        goto out;
    /* A window in progress is reported up to now and marked partial; one
     * that has not started has nothing to report. */
    if (from >= dp_time_now()) {
        fprintf(stderr,
                "devpulse %s: --from: \"%s\" is later than now; the "
                "window has not started\n",
                cmd, from_s);
        goto out;
    }
    char tzbuf[16];
    if (s_report_tz(cmd, tz, from, offset, tzbuf, sizeof tzbuf) < 0)
        goto out;
    bool running = request || connect || state;
    if (running && orgs.count) {
        fprintf(stderr,
                "devpulse %s: --org lists an organization with a "
                "stack of its own; name the repositories\n",
                cmd);
        goto out;
    }
    if (running && s_running_ends(cmd, connect, reports, state, &ends) < 0)
        goto out;
    if (!running && dp_fs_mkdirs(out, DEVPULSE_DIR_MODE, err, sizeof err) < 0) {
        fprintf(stderr, "devpulse report: --out: cannot create %s\n", err);
        goto out;
    }
    dp_service_signals();
    rc = 1;
    if (!running) {
        stack = s_report_stack(out, rules, format, resummarize, &orgs, &repos,
                               &m.failures);
        if (!stack)
            goto out;
    }
    stack_window_t one = {NULL, from, to, tz ? tz : tzbuf, lang, name};
    windows = s_multi_init(&m, &repos, &one);
    stack_sink_t sink = {s_report_done, NULL, &m};
    size_t in_flight = jobs > 0 ? (size_t)jobs : 1;
    int qrc = 0;
    if (m.n && stack)
        qrc = stack_request(stack, windows, m.n, in_flight, timeout_s, &sink);
    else if (m.n)
        qrc =
            stack_request_at(&ends, windows, m.n, in_flight, timeout_s, &sink);
    if (qrc == DP_EAGAIN)
        fprintf(stderr, "devpulse %s: interrupted\n", cmd);
    rc = s_report_summary(&m, orgs.count, qrc);
out:
    stack_destroy(&stack);
    stack_ends_clear(&ends);
    for (size_t i = 0; i < m.n; i++)
        dp_free(m.paths[i]);
    dp_free(m.paths);
    dp_free(m.ended);
    dp_free(windows);
    dp_strs_clear(&m.failures);
    dp_strs_clear(&repos);
    dp_strs_clear(&orgs);
    dp_free(rest);
    dp_config_free(opts, nopts);
    return rc;
}

/* ==== The configuration file of up and backfill ==== */

/* What up and backfill take from the configuration file and their flags,
 * to start a stack with. */
typedef struct {
    json_t *doc;      /* the configuration file */
    const char *path; /* its path */
    char *config_abs; /* its absolute path */
    char *state_dir;  /* absolute, created; NULL when none was given */
    char *out_dir;    /* outputs.dir (default "site"), absolute, created */
    char *formats;    /* outputs.formats joined, "md,json" by default */
    char *rules;      /* --rules, else the file when it has topics */
} s_site_t;

/* Checks the outcome of dp_config_load for up and backfill (which both
 * need -c with repositories), then creates the state and output
 * directories. Takes doc. Returns 0; or an exit status (0 after --help, 2
 * for a bad flag or file, 1 otherwise) with one line printed. */
static int s_site_open(const char *cmd, int load_rc, const char *load_err,
                       const char *path, json_t *doc, const char *state,
                       const char *rules, s_site_t *site)
{
    memset(site, 0, sizeof *site);
    site->doc = doc;
    site->path = path;
    if (load_rc == DP_EAGAIN)
        return 0;
    if (load_rc < 0 || !path || !doc) {
        fprintf(stderr, "devpulse %s: %s\n", cmd,
                load_rc < 0 ? load_err
                            : "give the configuration with -c devpulse.yml");
        return 2;
    }
    if (json_array_size(dp_json_get(doc, "repositories")) == 0) {
        fprintf(stderr, "devpulse %s: %s lists no repositories\n", cmd, path);
        return 2;
    }
    const char *out = dp_json_str(doc, "outputs.dir");
    char err[512];
    if ((state &&
         dp_fs_mkdirs(state, DEVPULSE_DIR_MODE, err, sizeof err) < 0) ||
        dp_fs_mkdirs(out ? out : "site", DEVPULSE_DIR_MODE, err, sizeof err) <
            0) {
        fprintf(stderr, "devpulse %s: cannot create %s\n", cmd, err);
        return 2;
    }
    site->state_dir = state ? realpath(state, NULL) : NULL;
    site->out_dir = realpath(out ? out : "site", NULL);
    site->config_abs = realpath(path, NULL);
    site->formats = dp_config_formats(doc, "md,json");
    site->rules =
        dp_strdup(dp_config_rules(rules, doc, path, DP_DEFAULT_RULES));
    return (state && !site->state_dir) || !site->out_dir ? 1 : 0;
}

static void s_site_close(s_site_t *site)
{
    json_decref(site->doc);
    free(site->config_abs);
    free(site->state_dir);
    free(site->out_dir);
    dp_free(site->formats);
    dp_free(site->rules);
    memset(site, 0, sizeof *site);
}

/* ==== up ==== */

/* s as one word of a POSIX shell, in single quotes unless it needs none
 * (the caller frees it). */
static char *s_shell_quote(const char *s)
{
    assert(s);
    if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789/._-+:@%,") == strlen(s))
        return dp_strdup(s);
    dp_buf_t buf = DP_BUF_INIT;
    dp_buf_puts(&buf, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            dp_buf_puts(&buf, "'\\''");
        else
            dp_buf_append(&buf, p, 1);
    }
    dp_buf_puts(&buf, "'");
    return dp_buf_take(&buf);
}

/* How to tap and ask the stack, as commands to paste into a shell (the
 * caller frees the text): they find the sockets and the key file in the
 * state directory; where its path was too long for the sockets (they are
 * then in a private directory), they name them. */
static char *s_up_hint(const stack_t *stack, const char *state_dir)
{
    char *hint = NULL;
    if (stack_sockets_in_state(stack)) {
        char *q = s_shell_quote(state_dir);
        hint = dp_asprintf("tap: devpulse tap --state %s; ask: devpulse "
                           "request OWNER/REPO --from ISO --to ISO --state %s",
                           q, q);
        dp_free(q);
    } else {
        const char *d = stack_sockets(stack);
        char *taps = dp_asprintf(">ipc://%s/collector.pub,>ipc://%s/"
                                 "renderer.pub",
                                 d, d);
        char *qtaps = s_shell_quote(taps);
        char *qkey = stack_keyfile(stack) ? s_shell_quote(stack_keyfile(stack))
                                          : dp_strdup("");
        hint = dp_asprintf("tap: %s%s%sdevpulse tap --endpoints %s",
                           *qkey ? "DP_CURVE_KEY_FILE=" : "", qkey,
                           *qkey ? " " : "", qtaps);
        dp_free(qkey);
        dp_free(qtaps);
        dp_free(taps);
    }
    return hint;
}

static int s_up(int argc, char **argv)
{
    char *state = NULL, *rules = NULL, *since_s = NULL;
    dp_opt_t opts[] = {
        {"state_dir", "DP_STATE_DIR", "--state", DP_OPT_STR, &state,
         DEVPULSE_STATE_DIR, 0, 0, NULL, false,
         "where Redis keeps the ledger and the bus sockets live"},
        {"rules", "DP_RULES", "--rules", DP_OPT_STR, &rules, NULL, 0, 0, NULL,
         false, "rules file (default: the config's topics, else built in)"},
        {"since", NULL, "--since", DP_OPT_STR, &since_s, NULL, 0, 0, NULL,
         false, "catch up from this instant, then follow live"},
    };
    size_t nopts = sizeof opts / sizeof opts[0];
    char err[512];
    json_t *doc = NULL;
    stack_t *stack = NULL;
    s_site_t site;
    const char *config = dp_config_path(argc, argv, "DP_CONFIG");
    int rc = dp_config_load(opts, nopts, argc, argv, "DP_CONFIG", NULL, NULL,
                            &doc, err, sizeof err);
    rc = s_site_open("up", rc, err, config, doc, state, rules, &site);
    if (rc != 0 || !site.doc)
        goto out;
    int64_t since = 0;
    char since_iso[32];
    if (since_s) {
        if (s_instant("up", "--since", since_s, &since, NULL) < 0) {
            rc = 2;
            goto out;
        }
        dp_time_iso_utc(since, since_iso, sizeof since_iso);
    }
    dp_service_signals();
    rc = 1;
    stack_cfg_t cfg = {
        .state_dir = site.state_dir,
        .tap_sockets = true,
        .curve = true,
        .rules = site.rules,
        .out_dir = site.out_dir,
        .formats = site.formats,
        .config = site.config_abs ? site.config_abs : config,
        .follow = true,
        .since = since_s ? since_iso : NULL,
    };
    stack = stack_start(&cfg);
    if (!stack)
        goto out;
    rc = 0;
    char *hint = s_up_hint(stack, site.state_dir);
    dp_log(DP_LOG_WARN,
           "devpulse up: watching %zu entries of %s%s%s; reports in %s; %s",
           json_array_size(dp_json_get(site.doc, "repositories")), config,
           since_s ? " from " : "", since_s ? since_iso : "", site.out_dir,
           hint);
    dp_free(hint);
    while (!dp_service_interrupted()) {
        stack_tick(stack);
        dp_service_sleep_ms(DEVPULSE_TICK_MS);
    }
out:
    stack_destroy(&stack);
    s_site_close(&site);
    dp_config_free(opts, nopts);
    return rc;
}

/* ==== backfill ==== */

/* What a backfill keeps while its windows come in. */
typedef struct {
    const backfill_plan_t *plan;
    backfill_progress_t progress;
    dp_strs_t failures; /* one line per failed window */
} s_backfill_t;

static void s_backfill_done(void *arg, size_t index, const char *path,
                            const char *error)
{
    s_backfill_t *b = arg;
    const stack_window_t *w = &b->plan->items[index];
    if (b->progress.tty)
        fputs("\r\033[K", stderr); /* the path goes where the line was */
    if (path) {
        printf("%s\n", path);
        fflush(stdout);
    } else {
        char a[32], z[32];
        dp_time_iso_utc(w->from, a, sizeof a);
        dp_time_iso_utc(w->to, z, sizeof z);
        char *line = dp_asprintf("%s %s..%s: %s", w->repo, a, z, error);
        dp_strs_push(&b->failures, line);
        dp_free(line);
        b->progress.failed++;
    }
    b->progress.done++;
    backfill_progress_show(&b->progress, stderr, dp_service_now_ms(), false);
}

static void s_backfill_tick(void *arg)
{
    s_backfill_t *b = arg;
    backfill_progress_show(&b->progress, stderr, dp_service_now_ms(), false);
}

static int s_backfill(int argc, char **argv)
{
    char *from_s = NULL, *to_s = NULL, *state = NULL, *rules = NULL;
    long jobs = 0, timeout_s = 0;
    dp_opt_t opts[] = {
        {"from", NULL, "--from", DP_OPT_STR, &from_s, NULL, 0, 0, NULL, false,
         "start of the range, e.g. 2025-12-15T00:00+08:00"},
        {"to", NULL, "--to", DP_OPT_STR, &to_s, NULL, 0, 0, NULL, false,
         "end of the range (exclusive)"},
        {"state_dir", NULL, "--state", DP_OPT_STR, &state, NULL, 0, 0, NULL,
         false, "state directory of Redis (default: a throwaway one)"},
        {"rules", "DP_RULES", "--rules", DP_OPT_STR, &rules, NULL, 0, 0, NULL,
         false, "rules file (default: the config's topics, else built in)"},
        {"jobs", "DP_BACKFILL_JOBS", "--jobs", DP_OPT_INT, &jobs, "4", 1, 64,
         NULL, false, "windows asked for at a time"},
        {"timeout", "DP_TIMEOUT_S", "--timeout", DP_OPT_INT, &timeout_s, "600",
         1, 86400, NULL, false, "seconds each window has for its report"},
    };
    size_t nopts = sizeof opts / sizeof opts[0];
    char err[512];
    json_t *doc = NULL;
    stack_t *stack = NULL;
    s_site_t site;
    dp_watch_t watch = {0};
    backfill_plan_t plan = {0};
    s_backfill_t b = {.plan = &plan};
    const char *config = dp_config_path(argc, argv, "DP_CONFIG");
    int rc = dp_config_load(opts, nopts, argc, argv, "DP_CONFIG", NULL, NULL,
                            &doc, err, sizeof err);
    /* The flags first: a bad range is refused before anything is made. */
    int64_t from = 0, to = 0;
    if (rc == 0 && s_range("backfill", from_s, to_s, &from, &to, NULL) < 0) {
        json_decref(doc);
        memset(&site, 0, sizeof site);
        rc = 2;
        goto out;
    }
    rc = s_site_open("backfill", rc, err, config, doc, state, rules, &site);
    if (rc != 0 || !site.doc)
        goto out;
    rc = 2;
    if (dp_watch_load(&watch, site.doc, err, sizeof err) < 0 ||
        backfill_plan(&watch, from, to, dp_time_now(), &plan, err, sizeof err) <
            0) {
        fprintf(stderr, "devpulse backfill: %s\n", err);
        goto out;
    }
    dp_service_signals();
    rc = 1;
    stack_cfg_t cfg = {
        .state_dir = site.state_dir,
        .rules = site.rules,
        .out_dir = site.out_dir,
        .formats = site.formats,
        .config = site.config_abs ? site.config_abs : config,
        .follow = false,
    };
    stack = stack_start(&cfg);
    if (!stack)
        goto out;
    backfill_progress_start(&b.progress, plan.count, isatty(STDERR_FILENO),
                            dp_service_now_ms());
    stack_sink_t sink = {s_backfill_done, s_backfill_tick, &b};
    int qrc = stack_request(stack, plan.items, plan.count, (size_t)jobs,
                            timeout_s, &sink);
    backfill_progress_show(&b.progress, stderr, dp_service_now_ms(), true);
    if (qrc == DP_EAGAIN)
        fprintf(stderr,
                "devpulse backfill: interrupted after %zu of %zu "
                "windows\n",
                b.progress.done, plan.count);
    if (b.failures.count) {
        fprintf(stderr, "devpulse backfill: %zu of %zu windows failed:\n",
                b.failures.count, plan.count);
        for (size_t i = 0; i < b.failures.count; i++)
            fprintf(stderr, "  %s\n", b.failures.items[i]);
    }
    rc = qrc == 0 && b.failures.count == 0 ? 0 : 1;
out:
    stack_destroy(&stack);
    dp_strs_clear(&b.failures);
    backfill_plan_clear(&plan);
    dp_watch_clear(&watch);
    s_site_close(&site);
    dp_config_free(opts, nopts);
    return rc;
}

/* ==== tap ==== */

#define DEVPULSE_TAP_WAIT_MS 5000 /* for the publishers' welcomes */
#define DEVPULSE_TAP_TCP                                                       \
    ">tcp://127.0.0.1:7101,>tcp://127.0.0.1:7201,"                             \
    ">tcp://127.0.0.1:7301,>tcp://127.0.0.1:7401"

/* The PUB endpoints a tap listens to: --endpoints (DP_TAP_ENDPOINTS);
 * else those of the `devpulse up` of --state (DP_STATE_DIR), with its key
 * file put in the environment for the bus; else of the default state
 * directory of up when one runs there; else the ports of a compose stack
 * on this host. NULL, with one line printed, when --state names a
 * directory where no devpulse up runs. The caller frees the list. */
static char *s_tap_endpoints(const char *endpoints, const char *state)
{
    if (endpoints)
        return dp_strdup(endpoints);
    stack_ends_t ends;
    char err[1024];
    char *taps = NULL;
    if (stack_ends_of_state(state ? state : DEVPULSE_STATE_DIR, &ends, err,
                            sizeof err) == 0) {
        if (ends.keyfile)
            setenv("DP_CURVE_KEY_FILE", ends.keyfile, 1);
        taps = dp_strdup(ends.taps);
    } else if (state) {
        fprintf(stderr, "devpulse tap: %s\n", err);
    } else {
        taps = dp_strdup(DEVPULSE_TAP_TCP);
    }
    stack_ends_clear(&ends);
    return taps;
}

static int s_tap(int argc, char **argv)
{
    char *endpoints = NULL, *state = NULL;
    dp_opt_t opts[] = {
        {"endpoints", "DP_TAP_ENDPOINTS", "--endpoints", DP_OPT_STR, &endpoints,
         NULL, 0, 0, NULL, false,
         "PUB endpoints to listen to (default: those of the devpulse up of "
         "--state, else " DEVPULSE_TAP_TCP ")"},
        {"state_dir", "DP_STATE_DIR", "--state", DP_OPT_STR, &state, NULL, 0, 0,
         NULL, false,
         "the state directory of a devpulse up to tap "
         "(default: " DEVPULSE_STATE_DIR " when one runs there)"},
    };
    size_t nopts = sizeof opts / sizeof *opts;
    char err[512];
    const char **rest = NULL;
    size_t nrest = 0;
    char *taps = NULL;
    dp_bus_t *bus = NULL;
    int rc = dp_config_load(opts, nopts, argc, argv, NULL, &rest, &nrest, NULL,
                            err, sizeof err);
    if (rc < 0) {
        if (rc != DP_EAGAIN)
            fprintf(stderr, "devpulse tap: %s\n", err);
        rc = rc == DP_EAGAIN ? 0 : 2;
        goto out;
    }
    rc = 2;
    taps = s_tap_endpoints(endpoints, state);
    if (!taps)
        goto out;
    dp_service_signals();
    bus = dp_bus_new();
    dp_sock_t *sub = bus ? dp_sock_new(bus, ZMQ_SUB, taps) : NULL;
    rc = 1;
    if (!sub || dp_sock_subscribe(sub, nrest ? rest[0] : "") < 0)
        goto out;
    rc = 0;
    /* Said once the publishers answered (or some did not in time), so
     * whoever started the tap knows from then on it misses nothing. */
    size_t ntaps = 1;
    for (const char *p = strchr(taps, ','); p; p = strchr(p + 1, ','))
        ntaps++;
    if (dp_sock_await_welcomes(sub, ntaps, DEVPULSE_TAP_WAIT_MS) < 0)
        dp_log(DP_LOG_INFO, "some publishers did not answer yet");
    fprintf(stderr, "devpulse tap: listening to %s (%zu of %zu answered)\n",
            taps, dp_sock_welcomes(sub), ntaps);
    dp_buf_t subject = DP_BUF_INIT, frame = DP_BUF_INIT;
    while (!dp_service_interrupted()) {
        dp_msg_t msg;
        if (dp_msg_recv(sub, &subject, &frame, DP_PROTO_MAX_FRAME,
                        DEVPULSE_TICK_MS, &msg, NULL) < 0)
            continue;
        char *json = dp_msg_to_json(&msg);
        printf("%s\n", json);
        fflush(stdout);
        dp_free(json);
        dp_msg_clear(&msg);
    }
    dp_buf_free(&subject);
    dp_buf_free(&frame);
out:
    dp_bus_destroy(&bus);
    dp_free(taps);
    dp_free(rest);
    dp_config_free(opts, nopts);
    return rc;
}

/* ==== keygen ==== */

static int s_keygen(void)
{
    char *text = dp_bus_keygen();
    if (!text) {
        fprintf(stderr, "devpulse keygen: this libzmq has no CurveZMQ\n");
        return 1;
    }
    /* For an env file or key file shared by the services (DP_CURVE_KEY_FILE
     * or compose's .env); keep it private: chmod 600. */
    fputs(text, stdout);
    explicit_bzero(text, strlen(text));
    dp_free(text);
    return 0;
}

int main(int argc, char **argv)
{
    dp_log_init("devpulse");
    if (!getenv("DP_LOG_LEVEL"))
        dp_log_set_level(DP_LOG_WARN);
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(s_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    /* The services inherit a quiet log unless the user asked otherwise. */
    if (!getenv("DP_LOG_LEVEL"))
        setenv("DP_LOG_LEVEL", "warn", 1);
    if (!strcmp(argv[1], "report"))
        return s_report(argc - 1, argv + 1, false);
    if (!strcmp(argv[1], "request"))
        return s_report(argc - 1, argv + 1, true);
    if (!strcmp(argv[1], "tap"))
        return s_tap(argc - 1, argv + 1);
    if (!strcmp(argv[1], "up"))
        return s_up(argc - 1, argv + 1);
    if (!strcmp(argv[1], "backfill"))
        return s_backfill(argc - 1, argv + 1);
    if (!strcmp(argv[1], "keygen"))
        return s_keygen();
    if (!strcmp(argv[1], "health"))
        return health_main(argc - 1, argv + 1);
    fprintf(stderr, "devpulse: unknown command \"%s\"\n%s", argv[1], s_usage);
    return 2;
}
