#!/usr/bin/env bash
# test_render_forged.sh - a forged DIGEST pushed into dp-renderer
# SPDX-License-Identifier: MIT
#
# Starts dp-renderer as docker-compose does (DP_RENDERER_IN, DP_RENDERER_PUB,
# DP_OUT_DIR, DP_FORMATS in the environment; ipc endpoints here) and pushes
# it, with dp-sendframe, a DIGEST whose every string (the sections, titles,
# labels, logins, topic names, reasons, problems, the writer, the project
# name, the language and the zone) holds Liquid ({{ site.github.token }},
# {% include secrets.txt %}), <script>, <img onerror>, a javascript: link,
# a link reference definition, @everyone and bidi overrides. Then greps
# every file it wrote (Markdown, its JSON, the HTML page and its JSON, the
# indexes, the Atom feed): none of these acts. A forged repository name
# ("../../x") writes nothing, and the renderer goes on serving.
set -u
. "$(dirname "$0")/lib.sh"
export LC_ALL=C.UTF-8

OUT="$E2E_TMP/site"
SOCK="$E2E_TMP/sock"
mkdir -p "$SOCK"
IN="ipc://$SOCK/renderer-in"
PUB="ipc://$SOCK/renderer-pub"

DP_RENDERER_IN="@$IN" DP_RENDERER_PUB="@$PUB" DP_OUT_DIR="$OUT" \
    DP_FORMATS="md,json,html" "$DP_BIN_DIR/dp-renderer" \
    >"$E2E_TMP/renderer.log" 2>&1 &
RENDERER_PID=$!
E2E_PIDS+=("$RENDERER_PID")
e2e_until 100 test -S "$SOCK/renderer-in" ||
    { fail "dp-renderer did not bind"; cat "$E2E_TMP/renderer.log"; exit 1; }

EVIL='{% include secrets.txt %} {{ site.github.token }} <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) @everyone '$'\u202e''evil'$'\u202c'
MD="$EVIL
- $EVIL
    1. **$EVIL**
> $EVIL
[r]: javascript:alert(1)
<div>$EVIL</div>
[gh](https://github.com/x) [bad](javascript:alert(1)) ![i](https://github.com/a.png)"

# forged REPO - the digest document, built with jq so every string is
# JSON-escaped as a sender would
forged() {
    jq -n --arg e "$EVIL" --arg md "$MD" --arg repo "$1" '
      def item($n; $pr): {number: $n, pr: $pr, title: $e,
        url: "javascript:alert(1)", author: $e, labels: [$e, "bug"],
        at: 1765778460, category: $e, bot: false};
      {schema: 1, repo: $repo, name: $e, lang: $e, tz: $e, tz_label: $e,
       from: 1765778400, to: 1765782000, tz_offset: 28800, revision: 1,
       counts: {new_issues: 1, closed_issues: 1, new_prs: 1, merged_prs: 1,
                closed_prs: 1},
       lists: {new_issues: [item(1; false)], closed_issues: [item(2; false)],
               new_prs: [item(3; true)], merged_prs: [item(4; true)],
               closed_prs: [item(5; true)]},
       topics: [{id: $e, title: $e, short: $e,
                 items: [{number: 1, pr: false, title: $e, url: $e,
                          reasons: [$e]}]}],
       sections: {summary: $md, topics: {($e): $md}, hot: $md, trends: $md,
                  changes: $md, activity: $md, watch: $md},
       facts: {quote: $e, people: [{login: $e}]},
       health: {requests: 1, not_modified: 0, retries: 0, rl_remaining: 1,
                rl_limit: 5000, complete_until: 1765782000, events: 5,
                problems: [$e], writer: $e, llm_sections: [$e, "summary"]}}'
}

forged "acme/forged" >"$E2E_TMP/forged.json"
check "dp-sendframe pushes the forged DIGEST" \
    "$DP_BIN_DIR/dp-sendframe" ">$IN" digest <"$E2E_TMP/forged.json"
check "the renderer writes the report, its pages and the site index" \
    e2e_until 100 test -s "$OUT/index.html"

files=$(find "$OUT" -type f | sort)
count=$(printf '%s\n' "$files" | grep -c .)
check "seven files written ($count)" [ "$count" = 7 ]
md=$(printf '%s\n' "$files" | grep '/_posts/.*\.md$')
check "the report is where a post of acme/forged goes" \
    [ "$md" = "$OUT/acme/forged/_posts/2025-12-15-acme-forged-1400-1h.md" ]

BIDI=$'[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]'
while IFS= read -r f; do
    rel=${f#"$OUT"/}
    check "$rel: no Liquid delimiter" \
        bash -c '! grep -qE "\{\{|\{%|%\}|\}\}" "$1"' _ "$f"
    check "$rel: no <script, <img or <div> from the data" \
        bash -c '! grep -qiE "<script|<img|<div>" "$1"' _ "$f"
    check "$rel: no @everyone" bash -c '! grep -q "@everyone" "$1"' _ "$f"
    check "$rel: no bidi control" bash -c '! grep -q "$2" "$1"' _ "$f" "$BIDI"
    check "$rel: no javascript: URL in an attribute" \
        bash -c '! grep -Eio "(href|src)=\"[^\"]*\"" "$1" | grep -qi javascript:' _ "$f"
    check "$rel: no image" bash -c '! grep -qE "<img|!\[[^]]*\]\(" "$1"' _ "$f"
done <<<"$files"

# The Markdown: links only to GitHub, no reference definition, and the
# forged text still shown (neutralized, not dropped).
check "Markdown: every link goes to https://github.com/ or #" \
    bash -c '! grep -oP "(?<!\\\\)\]\([^)]*\)" "$1" |
        grep -vqE "^\]\((https://github\.com/[^)]*|#)\)$"' _ "$md"
check "Markdown: the GitHub link in a section is kept" \
    grep -qF '[gh](https://github.com/x)' "$md"
check "Markdown: no link reference definition" \
    bash -c '! grep -qE "^ {0,3}\[[^]]*\]:" "$1"' _ "$md"
check "Markdown: the Liquid is shown as text" \
    grep -qF '&#123;&#123; site.github.token &#125;&#125;' "$md"
check "Markdown: front matter is four lines Jekyll takes as they are" \
    [ "$(sed -n '1p;4p;5p' "$md" | tr '\n' ' ')" = "--- layout: default --- " ]
check "the JSON beside the report parses, sections as the report shows them" \
    bash -c 'jq -e ".sections.summary | test(\"&#123;% include\")" "$1.json" >/dev/null' _ "$md"

# A forged repository name: nothing is written, the renderer goes on.
forged "../../escape" >"$E2E_TMP/escape.json"
before=$(find "$E2E_TMP" -type f | grep -v '/renderer.log$' | sort)
"$DP_BIN_DIR/dp-sendframe" ">$IN" digest <"$E2E_TMP/escape.json"
check "a forged repository name is refused" \
    e2e_until 100 grep -q 'dropped a digest' "$E2E_TMP/renderer.log"
after=$(find "$E2E_TMP" -type f | grep -v '/renderer.log$' | sort)
check "and writes no file anywhere" [ "$before" = "$after" ]
check "nothing outside the temporary directory" [ ! -e "$E2E_TMP/../escape" ]
check "dp-renderer still serves" kill -0 "$RENDERER_PID"

kill "$RENDERER_PID"
e2e_wait_exit "$RENDERER_PID" 100
check "dp-renderer stops cleanly on SIGTERM" [ "$ST" = 0 ]

e2e_finish
