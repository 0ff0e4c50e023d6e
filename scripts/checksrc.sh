#!/usr/bin/env bash
# scripts/checksrc.sh - reject banned C calls and missing file headers
# SPDX-License-Identifier: MIT
#
# Usage: scripts/checksrc.sh [FILE...]
# Without arguments, checks every .c/.h/.def file under common/ proto/
# services/ tests/ bench/. Prints file:line for each problem and exits 1 if
# there is any.
#
# Banned (STYLE.md section 12, after curl's list): sprintf strcpy strcat
# strncpy strtok atoi atol gets. Use snprintf, a dp_buf, strtok_r and a
# checked dp_parse_long() instead. Comments and string literals are not
# searched, so a comment may name a banned call.
# Every file starts with `/* <its file name> - <what it is> */` and has an
# SPDX-License-Identifier line among its first three lines (STYLE.md 8).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$#" -gt 0 ]; then
    files=("$@")
else
    mapfile -t files < <(find common proto services tests bench -type f \
        \( -name '*.c' -o -name '*.h' -o -name '*.def' \) 2>/dev/null | sort)
fi

problems=0

for f in "${files[@]}"; do
    [ -f "$f" ] || continue

    # File header.
    base=$(basename "$f")
    first=$(head -n 1 "$f")
    if [[ "$first" != "/* $base - "?* ]]; then
        echo "$f:1: file must start with '/* $base - <description> */'"
        problems=$((problems + 1))
    fi
    if ! head -n 3 "$f" | grep -q 'SPDX-License-Identifier:'; then
        echo "$f:1: no SPDX-License-Identifier line in the first 3 lines"
        problems=$((problems + 1))
    fi

    # Banned calls, outside comments and string/char literals.
    hits=$(awk '
        BEGIN { incomment = 0 }
        {
            line = $0; out = ""; n = length(line); i = 1
            while (i <= n) {
                c = substr(line, i, 1); c2 = substr(line, i, 2)
                if (incomment) {
                    if (c2 == "*/") { incomment = 0; i += 2; out = out " " }
                    else i++
                    continue
                }
                if (c2 == "/*") { incomment = 1; i += 2; continue }
                if (c2 == "//") break
                if (c == "\"" || c == "'\''") {
                    q = c; i++
                    while (i <= n) {
                        d = substr(line, i, 1)
                        if (d == "\\") { i += 2; continue }
                        i++
                        if (d == q) break
                    }
                    out = out q q
                    continue
                }
                out = out c; i++
            }
            rest = out
            while (match(rest, /(^|[^_a-zA-Z0-9])(sprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gets)[ \t]*\(/)) {
                call = substr(rest, RSTART, RLENGTH)
                rest = substr(rest, RSTART + RLENGTH)
                sub(/^[^a-z]/, "", call); sub(/[ \t]*\($/, "", call)
                printf "%d\t%s\t%s\n", NR, call, $0
            }
        }' "$f")
    if [ -n "$hits" ]; then
        while IFS=$'\t' read -r lineno call text; do
            text="${text#"${text%%[![:space:]]*}"}"
            echo "$f:$lineno: banned call $call(): $text"
            problems=$((problems + 1))
        done <<<"$hits"
    fi
done

if [ "$problems" -ne 0 ]; then
    echo "checksrc: $problems problem(s) in ${#files[@]} file(s)" >&2
    exit 1
fi
