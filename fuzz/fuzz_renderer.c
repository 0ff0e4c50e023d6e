/* fuzz_renderer.c - libFuzzer harness: renderer_render on forged digests */
/* SPDX-License-Identifier: MIT */
/*
 * An input that starts with '{' (or blanks then '{') is a DIGEST document
 * (JSON); any other is a whole bus frame, and a frame that decodes as a
 * DIGEST is rendered too. renderer_render writes every format (md, json,
 * html, atom) under <tmp>/out, on /dev/shm when it can (fsync is then
 * free). Then, whatever the digest held:
 * - every file written is inside <tmp>/out, and nothing else is in <tmp>;
 *   every path of the REPORT is one of them;
 * - no file holds a Liquid delimiter ("{{", "{%", "%}", "}}"), "<script"
 *   (in any case) or a raw bidi override;
 * - the Markdown, as cmark reads it, has no "@" before a login character
 *   in its text outside code (a mention that would notify);
 * - the JSON files hold no raw "@";
 * - dp_text_md_block over the input is a fixed point: f(f(x)) == f(x).
 * Each run starts from an empty <tmp>/out.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmark.h>

#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_text.h"
#include "renderer.h"

#define FUZZ_MAX_FRAME (16L * 1024 * 1024)
#define FUZZ_OPEN_FDS 16

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *s_base; /* <tmp>, made once */
static char *s_out;  /* <tmp>/out, emptied after each run */

static void s_bug(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_renderer: %s%s%.300s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct stat st;
    const char *root =
        stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                                                                    : "/tmp";
    char *tmpl = dp_asprintf("%s/fuzz_renderer.XXXXXX", root);
    if (!mkdtemp(tmpl))
        s_bug("mkdtemp", tmpl);
    char *real = realpath(tmpl, NULL);
    s_base = dp_strdup(real);
    free(real);
    dp_free(tmpl);
    s_out = dp_asprintf("%s/out", s_base);
    return 0;
}

static int s_unlink(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char *s_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        s_bug("cannot read a file the renderer wrote", path);
    dp_buf_t buf = DP_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        dp_buf_append(&buf, chunk, n);
    fclose(f);
    dp_buf_append(&buf, "", 0);
    return dp_buf_take(&buf);
}

static bool s_login_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Text of the Markdown outside code (spans and <code> elements), as cmark
 * reads it; other inline nodes count as a space. */
static void s_md_text(const char *md, dp_buf_t *text)
{
    cmark_node *doc = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT);
    if (!doc)
        return;
    cmark_iter *iter = cmark_iter_new(doc);
    cmark_event_type ev;
    bool code = false;
    while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(iter);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        cmark_node_type type = cmark_node_get_type(node);
        const char *lit = cmark_node_get_literal(node);
        if (type == CMARK_NODE_HTML_INLINE && lit)
            code = strcmp(lit, "<code>") == 0 ||
                   (code && strcmp(lit, "</code>") != 0);
        if (type == CMARK_NODE_TEXT && !code)
            dp_buf_puts(text, lit ? lit : "");
        else
            dp_buf_puts(text, " ");
    }
    cmark_iter_free(iter);
    cmark_node_free(doc);
    dp_buf_append(text, "", 0);
}

static bool s_ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

static void s_check_file(const char *path)
{
    char *body = s_read(path);
    static const char *const never[] = {"{{", "{%",           "%}",
                                        "}}", "\xE2\x80\xAE", "\xE2\x81\xA6"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (strstr(body, never[i]))
            s_bug(never[i], path);
    if (strcasestr(body, "<script"))
        s_bug("<script", path);
    if (s_ends_with(path, ".json") && strchr(body, '@'))
        s_bug("a raw '@' in the JSON", path);
    if (s_ends_with(path, ".md")) {
        dp_buf_t text = DP_BUF_INIT;
        s_md_text(body, &text);
        for (const char *p = text.data; p && (p = strchr(p, '@')); p++)
            if (s_login_char(p[1]))
                s_bug("a mention that notifies", p);
        dp_buf_free(&text);
    }
    dp_free(body);
}

static size_t s_files_seen;

static int s_visit(const char *path, const struct stat *st, int flag,
                   struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_F) {
        s_check_file(path);
        s_files_seen++;
    } else if (flag != FTW_D && flag != FTW_DP) {
        s_bug("neither a file nor a directory", path);
    }
    return 0;
}

static void s_check_outputs(const dp_msg_t *reply)
{
    DIR *d = opendir(s_base);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            strcmp(e->d_name, "out"))
            s_bug("written beside the output directory", e->d_name);
    if (d)
        closedir(d);
    s_files_seen = 0;
    if (access(s_out, F_OK) == 0)
        nftw(s_out, s_visit, FUZZ_OPEN_FDS, FTW_PHYS);
    if (reply->type != DP_MSG_REPORT)
        return;
    size_t prefix = strlen(s_out);
    const dp_strs_t *files = &reply->u.report.files;
    for (size_t i = 0; i < files->count; i++)
        if (strncmp(files->items[i], s_out, prefix) != 0 ||
            files->items[i][prefix] != '/' || strstr(files->items[i], "/../"))
            s_bug("a report file outside the output directory",
                  files->items[i]);
    if (files->count > s_files_seen)
        s_bug("the REPORT names files that are not there", NULL);
}

static void s_render(const dp_digest_t *digest)
{
    unsigned all = RENDERER_FMT_MD | RENDERER_FMT_JSON | RENDERER_FMT_HTML |
                   RENDERER_FMT_ATOM;
    dp_msg_t reply;
    (void)renderer_render(s_out, all, digest, &reply);
    s_check_outputs(&reply);
    dp_msg_clear(&reply);
    nftw(s_out, s_unlink, FUZZ_OPEN_FDS, FTW_DEPTH | FTW_PHYS);
}

static void s_fixed_point(const char *text)
{
    dp_buf_t once = DP_BUF_INIT, twice = DP_BUF_INIT;
    dp_text_md_block(&once, text);
    dp_text_md_block(&twice, once.data);
    if (strcmp(once.data, twice.data) != 0)
        s_bug("dp_text_md_block is not idempotent on", text);
    dp_buf_free(&twice);
    dp_buf_free(&once);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t lead = 0;
    while (lead < size && strchr(" \t\r\n", data[lead]) && data[lead])
        lead++;
    if (lead < size && data[lead] == '{') {
        char *json = dp_strndup((const char *)data, size);
        dp_digest_t digest = {.repo = (char *)"o/r", .json = json};
        s_render(&digest);
        s_fixed_point(json);
        dp_free(json);
        return 0;
    }
    dp_msg_t msg;
    char err[256];
    if (dp_msg_decode(data, size, FUZZ_MAX_FRAME, &msg, err, sizeof err) < 0)
        return 0;
    if (msg.type == DP_MSG_DIGEST)
        s_render(&msg.u.digest);
    dp_msg_clear(&msg);
    return 0;
}
