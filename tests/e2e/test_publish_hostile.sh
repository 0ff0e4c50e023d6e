#!/usr/bin/env bash
# test_publish_hostile.sh - publishing a window of hostile data, end to end
# SPDX-License-Identifier: MIT
#
# Runs `devpulse report --format md,json,html` (the real services, a private
# redis-server, gh-standin) over tests/data/hostile in both languages and
# checks every file written: the header and appendix against the golden
# files EXPECTED-zh.md / EXPECTED-en.md; no Liquid delimiter anywhere; no
# HTML tag from the data in the pages; every appendix line one well-formed
# line; no mention, cross-reference, bare pipe, bidi override or control
# character; the 5,000-character title cut with an ellipsis. Then that a
# rerun leaves every file byte-identical and untouched, and that a second
# window lands in the indexes and the feed, newest first.
set -u
. "$(dirname "$0")/lib.sh"
export LC_ALL=C.UTF-8

DATA="$DP_SOURCE_DIR/tests/data/hostile"
FROM=2025-12-10T18:00+08:00
TO=2025-12-10T19:00+08:00
unset REDIS_URL
export GITHUB_TOKEN="" DP_RETRY_BASE_MS=20

# report OUT LANG [FROM TO] - one run against a fresh stand-in; prints the path
report() {
    local out=$1 lang=$2 from=${3:-$FROM} to=${4:-$TO}
    e2e_standin "run$RANDOM" --data "$DATA" --port 0
    GITHUB_API_URL="$STANDIN_URL" "$DP_BIN_DIR/devpulse" report acme/hostile \
        --lang "$lang" --from "$from" --to "$to" --out "$out" \
        --format md,json,html 2>>"$E2E_TMP/report.err"
    kill "$STANDIN_PID" 2>/dev/null
    wait "$STANDIN_PID" 2>/dev/null
}

# The front matter and header lines, then the appendix without the rules
# around it, as the golden files hold them.
golden_part() {
    sed -n '1,12p' "$1"
    sed -n '/^## 📋/,/^### 🩺/p' "$1" | sed '$d' |
        sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' | sed '${/^---$/d}' |
        sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# Tags the pages may hold: the page's own and what cmark writes.
ALLOWED=" a blockquote body br code div em footer h1 h2 h3 head hr html li link main meta nav ol p pre span strong style title ul "
BIDI=$'[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]'
CTRL=$'[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]'

for lang in zh en; do
    out="$E2E_TMP/site-$lang"
    md=$(report "$out" "$lang")
    check "$lang: devpulse report writes the report" [ -f "$md" ]
    [ -f "$md" ] || { cat "$E2E_TMP/report.err"; continue; }
    base=$(basename "$md" .md)
    dir="$out/acme/hostile"
    files=("$md" "$md.json" "$dir/$base.html" "$dir/$base.json"
        "$dir/index.html" "$dir/feed.xml" "$out/index.html")
    for f in "${files[@]}"; do
        check "$lang: ${f#"$out"/} written" [ -s "$f" ]
    done

    # Golden header and appendix.
    if diff <(golden_part "$md") "$DATA/EXPECTED-$lang.md" >"$E2E_TMP/diff"; then
        pass "$lang: header and appendix equal EXPECTED-$lang.md"
    else
        fail "$lang: header and appendix differ from EXPECTED-$lang.md:"
        head -n 40 "$E2E_TMP/diff"
    fi

    # Liquid: no delimiter survives anywhere, so no raw block is needed.
    for f in "${files[@]}"; do
        check "$lang: no Liquid delimiter in ${f#"$out"/}" \
            bash -c '! grep -qE "\{\{|\{%|%\}|\}\}" "$1"' _ "$f"
        check "$lang: no bidi control in ${f#"$out"/}" \
            bash -c '! grep -q "$2" "$1"' _ "$f" "$BIDI"
        check "$lang: no control character in ${f#"$out"/}" \
            bash -c '! grep -q "$2" "$1"' _ "$f" "$CTRL"
    done

    # HTML: the pages' own tags only; no javascript: in attributes.
    for f in "$dir/$base.html" "$dir/index.html" "$out/index.html"; do
        bad=""
        # The page's own chart (one line) is left out.
        for tag in $(sed 's#<figure class="chart"[^>]*>.*</figure>##' "$f" |
            grep -o '<[A-Za-z][A-Za-z0-9]*' | cut -c2- |
            tr 'A-Z' 'a-z' | sort -u); do
            case "$ALLOWED" in *" $tag "*) ;; *) bad="$bad $tag" ;; esac
        done
        check "$lang: ${f#"$out"/} has no tag from the data (extra:${bad:- none})" \
            [ -z "$bad" ]
        check "$lang: ${f#"$out"/} has no javascript: attribute" \
            bash -c '! grep -Eio "(href|src)=\"[^\"]*\"" "$1" | grep -qi javascript:' _ "$f"
    done
    check "$lang: the feed and the JSON hold no '<' from the data" \
        bash -c '! grep -q "<script\|<img" "$1" "$2" "$3"' _ "$dir/feed.xml" \
        "$md.json" "$dir/$base.json"

    # Every appendix item is one well-formed line, and as many as counted.
    if [ "$lang" = zh ]; then verbs='创建于|关闭于|合并于'; else verbs='created|closed|merged'; fi
    items=$(sed -n '/^## 📋/,/^### 🩺/p' "$md" | grep '^- \[#')
    re="^- \[#([0-9]+)\]\(https://github\.com/acme/hostile/(issues|pull)/\1\) .+ — .+ — by .+ \(($verbs): 2025-12-10 [0-9]{2}:[0-9]{2} \(UTC\+8\)\)$"
    check "$lang: every appendix line is well formed" \
        bash -c '! printf "%s\n" "$1" | grep -Ev "$2" | grep -q .' _ "$items" "$re"
    check "$lang: 12 appendix items, as counted" \
        [ "$(printf '%s\n' "$items" | wc -l)" = 12 ]
    titles=$(printf '%s\n' "$items" | sed 's/^- \[#[0-9]*\]([^)]*) //')
    check "$lang: no bare pipe in an appendix line" \
        bash -c '! printf "%s\n" "$1" | grep -qP "(?<!\\\\)\|"' _ "$titles"
    check "$lang: no mention notifies" \
        bash -c '! grep -qP "@(?!\x{200B})[A-Za-z0-9_-]" "$1"' _ "$md"
    check "$lang: no cross-reference in an appendix title" \
        bash -c '! printf "%s\n" "$1" | grep -qP "(?<!&)#(?!\x{200B})[0-9]|GH-(?!\x{200B})[0-9]"' _ "$titles"
    long=$(printf '%s\n' "$items" | grep '^- \[#110\]')
    check "$lang: the 5,000-character title is cut with an ellipsis" \
        bash -c 'printf "%s" "$1" | grep -q "…" && [ ${#1} -lt 1500 ]' _ "$long"

    # Front matter: four lines Jekyll takes as they are.
    check "$lang: front matter" \
        [ "$(sed -n '1p;5p' "$md" | tr '\n' ' ')" = "--- --- " -a \
        "$(sed -n '3p' "$md")" = "date: 2025-12-10" -a \
        "$(sed -n '4p' "$md")" = "layout: default" ]
    check "$lang: the health footer ends the report" \
        bash -c '[ "$(grep -c "^### " "$1")" -gt 0 ] &&
            [ "$(grep "^#" "$1" | tail -n 1)" = "$2" ]' _ "$md" \
        "$([ "$lang" = zh ] && echo '### 🩺 数据与运行状态' || echo '### 🩺 Data and pipeline health')"
done

# A rerun over the same data rewrites nothing: same bytes, same mtimes.
out="$E2E_TMP/site-zh"
before=$(cd "$out" && find . -type f | sort | xargs stat -c '%n %s %Y %i' | sha256sum)
sums=$(cd "$out" && find . -type f | sort | xargs sha256sum)
sleep 1
md=$(report "$out" zh)
after=$(cd "$out" && find . -type f | sort | xargs stat -c '%n %s %Y %i' | sha256sum)
check "a rerun leaves every file byte-identical" \
    [ "$sums" = "$(cd "$out" && find . -type f | sort | xargs sha256sum)" ]
check "a rerun leaves every file untouched (same inode and mtime)" \
    [ "$before" = "$after" ]

# A second window: both in the indexes and the feed, newest first.
md2=$(report "$out" zh 2025-12-10T19:00+08:00 2025-12-10T20:00+08:00)
check "a second window has its own report" \
    [ -f "$md2" -a "$md2" != "$md" ]
dir="$out/acme/hostile"
order=$(grep -o 'href="2025-12-10-acme-hostile-[0-9]*-1h.html"' "$dir/index.html" |
    tr '\n' ' ')
check "the repository index lists both, newest first ($order)" \
    [ "$order" = 'href="2025-12-10-acme-hostile-1900-1h.html" href="2025-12-10-acme-hostile-1800-1h.html" ' ]
check "the feed has two entries, newest first" \
    [ "$(grep -o '<updated>[^<]*</updated>' "$dir/feed.xml" | tr '\n' ' ')" = \
    "<updated>2025-12-10T12:00:00Z</updated> <updated>2025-12-10T12:00:00Z</updated> <updated>2025-12-10T11:00:00Z</updated> " ]
check "the feed is Atom with ids and links" \
    bash -c 'grep -q "<feed xmlns=\"http://www.w3.org/2005/Atom\"" "$1" &&
        [ "$(grep -c "<entry>" "$1")" = 2 ] && [ "$(grep -c "<id>" "$1")" = 3 ] &&
        [ "$(grep -c "<link rel=\"alternate\" type=\"text/html\"" "$1")" = 3 ]' _ "$dir/feed.xml"
check "the site index lists both" \
    [ "$(grep -c 'href="acme/hostile/2025-12-10-acme-hostile-' "$out/index.html")" = 2 ]

e2e_finish
