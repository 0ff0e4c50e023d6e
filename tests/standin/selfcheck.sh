#!/usr/bin/env bash
# selfcheck.sh - curl checks of gh-standin against tests/data/vllm-hour
# SPDX-License-Identifier: MIT
#
# usage: selfcheck.sh [GH_STANDIN_BINARY] [DATA_DIR]
# Starts gh-standin several times on free loopback ports and checks
# pagination, Link headers, ETags and 304s, the counters, the token check,
# 404/422 answers, rate limiting, every fault kind, the prefix mode and
# GraphQL (whose validator needs node and tests/standin/graphql/node_modules,
# installed by scripts/deps.sh). Exits non-zero when a check failed. Needs
# bash and curl.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-${DP_BIN_DIR:-$root/build/bin}/gh-standin}
data=${2:-$root/tests/data/vllm-hour}
tmp=$(mktemp -d)
pid=
base=
repo=/repos/vllm-project/vllm
rid=599547518
since=2025-12-10T10:29:00Z
fails=0
checks=0

cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

ok() {
    checks=$((checks + 1))
}

# check DESCRIPTION COMMAND... : the command must succeed
check() {
    local what=$1
    shift
    if "$@"; then ok; else fail "$what"; fi
}

# check_not DESCRIPTION COMMAND... : the command must fail
check_not() {
    local what=$1
    shift
    if "$@"; then fail "$what"; else ok; fi
}

# start [ARGS...]: runs gh-standin and sets $pid and $base
start() {
    stop
    # Emptied here, not by the child's redirection: the loop below may run
    # before the child opens the file, and must not read the last URL.
    : >"$tmp/url"
    "$bin" --data "$data" --port 0 "$@" >"$tmp/url" 2>"$tmp/log" &
    pid=$!
    # Up to 30 s: an ASan build on a loaded machine starts slowly.
    for _ in $(seq 1 600); do
        # The whole line: a reader may see a write in part.
        [ -s "$tmp/url" ] && [ -z "$(tail -c 1 "$tmp/url")" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    base=$(head -n 1 "$tmp/url")
    case "$base" in
    http://127.0.0.1:*) ;;
    *)
        local rc=running
        kill -0 "$pid" 2>/dev/null || { wait "$pid"; rc=$?; }
        echo "FAIL: gh-standin $* did not print its URL (status $rc," \
            "printed '$base')" >&2
        cat "$tmp/log" >&2
        exit 1
        ;;
    esac
}

# stop: SIGTERM, which must end gh-standin with status 0
stop() {
    if [ -n "$pid" ]; then
        kill -TERM "$pid"
        wait "$pid"
        local rc=$?
        [ "$rc" -eq 0 ] || fail "gh-standin exited $rc after SIGTERM"
        pid=
    fi
}

# get URL [CURL ARGS...]: headers in $tmp/h, body in $tmp/b, status in $code
get() {
    local url=$1
    shift
    rm -f "$tmp/b" "$tmp/h"
    code=$(curl -s -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' "$@" "$url")
    curl_rc=$?
}

header() { # header NAME: its value in $tmp/h (any case), CR stripped
    grep -i "^$1:" "$tmp/h" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

numbers() { # the top-level "number" fields of a compact issue array
    grep -o '"number":[0-9]*' "$tmp/b" | cut -d: -f2
}

stat_of() { # stat_of KEY: an integer of /_standin/stats
    curl -s "$base/_standin/stats" | grep -o "\"$1\":[0-9]*" | head -n 1 |
        cut -d: -f2
}

link_rel() { # link_rel REL: the URL of one relation of the Link header
    header link | tr ',' '\n' | grep "rel=\"$1\"" | sed 's/.*<\(.*\)>.*/\1/'
}

[ -x "$bin" ] || { echo "FAIL: no gh-standin at $bin" >&2; exit 1; }
[ -d "$data" ] || { echo "FAIL: no dataset at $data" >&2; exit 1; }

# ==== listing, pagination, Link headers ====
start --verbose
q="state=all&since=$since&sort=updated&direction=desc&per_page=100"
get "$base$repo/issues?$q"
check "issues listing answers 200" [ "$code" = 200 ]
check "page 1 has 100 items" [ "$(numbers | wc -l)" -eq 100 ]
check "Content-Type is JSON" \
    [ "$(header content-type)" = "application/json; charset=utf-8" ]
check "ETag is weak" grep -qi '^etag: W/"' "$tmp/h"
for h in x-ratelimit-limit x-ratelimit-remaining x-ratelimit-used \
    x-ratelimit-reset; do
    check "$h is present" [ -n "$(header $h)" ]
done
check "x-ratelimit-resource is core" [ "$(header x-ratelimit-resource)" = core ]
next=$(link_rel next)
last=$(link_rel last)
check "Link rel=next uses /repositories/<id>/" \
    [ "$next" = "$base/repositories/$rid/issues?state=all&since=2025-12-10T10%3A29%3A00Z&sort=updated&direction=desc&per_page=100&page=2" ]
check "Link rel=last is page 3" [ "${last##*&page=}" = 3 ]
check "page 1 has no rel=prev" [ -z "$(link_rel prev)" ]

all=$(numbers)
pages=1
url=$next
while [ -n "$url" ] && [ "$pages" -lt 10 ]; do
    get "$url"
    check "page $((pages + 1)) answers 200" [ "$code" = 200 ]
    all="$all
$(numbers)"
    pages=$((pages + 1))
    if [ "$pages" -eq 2 ]; then
        check "page 2 has rel=prev and rel=first" \
            [ -n "$(link_rel prev)" -a -n "$(link_rel first)" ]
    fi
    url=$(link_rel next)
done
total=$(echo "$all" | grep -c .)
check "3 pages followed" [ "$pages" -eq 3 ]
check "since keeps 287 items" [ "$total" -eq 287 ]
check "no item repeats across pages" \
    [ "$(echo "$all" | sort | uniq -d | wc -l)" -eq 0 ]
check "#30382 is listed" grep -qx 30382 <<<"$all"

get "$base$repo/issues?state=all&per_page=1000&since=$since"
check "per_page is capped at 100" [ "$(numbers | wc -l)" -eq 100 ]
get "$base$repo/issues"
check "default listing: open only, 30 a page" [ "$(numbers | wc -l)" -eq 30 ]
check_not "default listing has no closed items" grep -q '"state":"closed"' "$tmp/b"
get "$base/repositories/$rid/issues?$q&page=3"
check "/repositories/<id>/issues serves the listing" [ "$code" = 200 ]
check "last page has 87 items" [ "$(numbers | wc -l)" -eq 87 ]

get "$base$repo/issues/30382/comments"
check "4 comments on #30382" [ "$(grep -o '"node_id":"IC_' "$tmp/b" | wc -l)" -eq 4 ]
get "$base$repo/issues/30382/comments?per_page=2&page=1"
check "comment pagination has rel=next" [ -n "$(link_rel next)" ]
check "comment Link uses /repositories/" \
    grep -q "/repositories/$rid/issues/30382/comments?" <<<"$(link_rel next)"
get "$base$repo/issues/30382/comments?since=2025-12-10T10:30:00Z"
check "comments since" [ "$(grep -o '"node_id":"IC_' "$tmp/b" | wc -l)" -eq 2 ]
get "$base$repo/issues/30383/comments"
check "no comment file gives []" [ "$code" = 200 -a "$(cat "$tmp/b")" = "[]" ]
get "$base$repo/pulls/30385"
check "pull request served" grep -q '"merged":false' "$tmp/b"
get "$base$repo/pulls/1"
check "missing pull request is 404" [ "$code" = 404 ]
get "$base$repo"
check "repository served" grep -q '"full_name":"vllm-project/vllm"' "$tmp/b"

# ==== errors ====
get "$base/repos/nobody/nothing/issues"
check "unknown repository is 404" [ "$code" = 404 ]
check "404 body is GitHub's" [ "$(cat "$tmp/b")" = \
    '{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}' ]
get "$base/no/such/path"
check "unknown path is 404" [ "$code" = 404 ]
for bad in "state=maybe" "since=yesterday" "sort=stars" "direction=up" \
    "per_page=ten" "page=-1"; do
    get "$base$repo/issues?$bad"
    check "bad $bad is 422" [ "$code" = 422 ]
    check "422 says Validation Failed" grep -q '"message":"Validation Failed"' "$tmp/b"
done

# ==== conditional requests and counters ====
curl -s -X POST "$base/_standin/reset" >/dev/null
get "$base$repo/issues?$q"
etag=$(header etag)
get "$base$repo/issues?$q" -H "If-None-Match: $etag"
check "If-None-Match gives 304" [ "$code" = 304 ]
check "304 has no body" [ ! -s "$tmp/b" ]
check "304 keeps the ETag" [ "$(header etag)" = "$etag" ]
check "304 leaves remaining at 4999" [ "$(header x-ratelimit-remaining)" = 4999 ]
get "$base$repo/issues?$q" -H "If-None-Match: ${etag#W/}"
check "a strong form of the ETag matches too" [ "$code" = 304 ]
get "$base$repo/issues?$q" -H 'If-None-Match: W/"0000"'
check "another ETag gives 200" [ "$code" = 200 ]
get "$base/rate_limit"
check "/rate_limit answers" grep -q '"resources":{"core":{' "$tmp/b"
check "/rate_limit is not counted" grep -q '"rate":{"limit":5000,"used":2,' "$tmp/b"
check "stats: requests" [ "$(stat_of requests)" = 5 ]
check "stats: counted" [ "$(stat_of counted)" = 2 ]
check "stats: not_modified" [ "$(stat_of not_modified)" = 2 ]
check "stats: by_path" \
    curl -s "$base/_standin/stats" -o "$tmp/s"
check "stats: by_path counts the listing" \
    grep -q "\"$repo/issues\":4" "$tmp/s"
curl -s -X POST "$base/_standin/reset" >/dev/null
check "reset zeroes the counters" [ "$(stat_of requests)" = 0 ]
check "verbose logs one line a request" \
    grep -q "GET $repo/issues?$q 304" "$tmp/log"
stop

# ==== token ====
start --token s3cret
get "$base$repo/issues"
check "no token is 401" [ "$code" = 401 ]
check "401 says Bad credentials" grep -q '"message":"Bad credentials"' "$tmp/b"
get "$base$repo/issues" -H "Authorization: Bearer wrong"
check "a wrong token is 401" [ "$code" = 401 ]
get "$base$repo/issues" -H "Authorization: Bearer s3cret"
check "Bearer token is accepted" [ "$code" = 200 ]
get "$base$repo/issues" -H "authorization: token s3cret"
check "token form and lower-case header are accepted" [ "$code" = 200 ]
stop

# ==== primary rate limit ====
start --rate-limit 3
for _ in 1 2 3; do get "$base$repo"; done
check "third request leaves 0 remaining" [ "$(header x-ratelimit-remaining)" = 0 ]
get "$base$repo"
check "exhausted limit is 403" [ "$code" = 403 ]
check "403 says rate limit exceeded" grep -q 'API rate limit exceeded' "$tmp/b"
check "403 has remaining 0" [ "$(header x-ratelimit-remaining)" = 0 ]
stop

# ==== faults ====
start --fault "/issues/30382/comments:status:1:502" \
    --fault "/pulls/30385:html503:1" \
    --fault "/pulls/30384:secondary:1:7" \
    --fault "/pulls/30349:r429:2:3" \
    --fault "/issues/30381/comments:hang:1:700" \
    --fault "/pulls/30290:truncate:1" \
    --fault "/pulls/30360:truncate:1:short" \
    --fault "/pulls/30310:garbage:0"
get "$base$repo/issues/30382/comments"
check "status fault gives 502" [ "$code" = 502 ]
check "status fault body" [ "$(cat "$tmp/b")" = '{"message":"Server Error"}' ]
get "$base$repo/issues/30382/comments"
check "status fault stops after COUNT" [ "$code" = 200 ]
get "$base$repo/pulls/30385"
check "html503 gives 503" [ "$code" = 503 ]
check "html503 is HTML" [ "$(header content-type)" = text/html ]
check "html503 body" grep -q '<h1>503 Service Unavailable</h1>' "$tmp/b"
get "$base$repo/pulls/30384"
check "secondary gives 403" [ "$code" = 403 ]
check "secondary has retry-after" [ "$(header retry-after)" = 7 ]
check "secondary body" grep -q 'secondary rate limit' "$tmp/b"
get "$base$repo/pulls/30349"
check "r429 gives 429" [ "$code" = 429 -a "$(header retry-after)" = 3 ]
get "$base$repo/pulls/30349"
check "r429 twice" [ "$code" = 429 ]
get "$base$repo/pulls/30349"
check "r429 stops after 2" [ "$code" = 200 ]
t0=$(date +%s%N)
get "$base$repo/issues/30381/comments"
t1=$(date +%s%N)
check "hang answers normally" [ "$code" = 200 ]
check "hang waits 700 ms" [ $(((t1 - t0) / 1000000)) -ge 650 ]
get "$base$repo/pulls/30290"
check "truncate cuts the transfer (curl error 18)" [ "$curl_rc" -eq 18 ]
get "$base$repo/pulls/30360"
check "truncate:short sends a short body" [ "$code" = 200 -a "$curl_rc" -eq 0 ]
check_not "the short body is not complete JSON" grep -q '}$' "$tmp/b"
get "$base$repo/pulls/30310"
check "garbage gives 200" [ "$code" = 200 ]
check "garbage body" [ "$(cat "$tmp/b")" = "not json at all" ]
get "$base$repo/pulls/30310"
check "COUNT 0 is forever" [ "$(cat "$tmp/b")" = "not json at all" ]
check "faulted requests count in requests" [ "$(stat_of requests)" = 12 ]
check "faulted requests count in counted" [ "$(stat_of counted)" = 12 ]
stop

# ==== prefix ====
start --prefix /api/v3
check "base URL carries the prefix" grep -q '/api/v3$' <<<"$base"
get "$base$repo/issues?$q"
check "prefixed listing answers 200" [ "$code" = 200 ]
check "prefixed Link keeps the prefix" \
    grep -q "^http://127.0.0.1:[0-9]*/api/v3/repositories/$rid/issues?" <<<"$(link_rel next)"
get "$(link_rel next)"
check "prefixed next page answers 200" [ "$code" = 200 ]
get "${base%/api/v3}$repo/issues"
check "unprefixed path is 404 in prefix mode" [ "$code" = 404 ]
stop

# ==== GraphQL, validated against GitHub's schema ====
# gql QUERY-JSON-STRING VARIABLES-JSON [CURL ARGS...]: POSTs to /graphql
gql() {
    local query=$1 vars=$2
    shift 2
    printf '{"query":%s,"variables":%s}' "$query" "$vars" >"$tmp/q"
    get "$gql_url" -H 'Content-Type: application/json' --data-binary @"$tmp/q" "$@"
}
detail='fragment d on PullRequest { files(first: 2) { totalCount nodes { path additions deletions } pageInfo { hasNextPage endCursor } } reviews(first: 100) { totalCount nodes { databaseId author { login __typename } authorAssociation state submittedAt } pageInfo { hasNextPage endCursor } } }'
query="\"query(\$owner: String!, \$name: String!, \$n0: Int!) { rateLimit { cost remaining } repository(owner: \$owner, name: \$name) { p0: pullRequest(number: \$n0) { ...d } p1: pullRequest(number: 1) { ...d } } } $detail\""
mkdir -p "$tmp/gql/acme/bots/pulls" "$tmp/gql/acme/bots/reviews"
echo '[{"number":7,"pull_request":{},"updated_at":"2025-12-10T10:00:00Z","created_at":"2025-12-10T10:00:00Z","state":"open"}]' \
    >"$tmp/gql/acme/bots/issues.json"
echo '{"number":7}' >"$tmp/gql/acme/bots/pulls/7.json"
echo '[{"filename":"a.c","additions":1,"deletions":2},{"filename":"b.c","additions":3,"deletions":4},{"filename":"c.c","additions":5,"deletions":6}]' \
    >"$tmp/gql/acme/bots/pulls/7.files.json"
echo '[{"id":11,"user":{"login":"helper[bot]","type":"Bot"},"author_association":"NONE","state":"COMMENTED","submitted_at":"2025-12-10T10:05:00Z"},{"id":12,"user":null,"author_association":"NONE","state":"APPROVED","submitted_at":"2025-12-10T10:06:00Z"}]' \
    >"$tmp/gql/acme/bots/reviews/7.json"
start --data "$tmp/gql"
gql_url="$base/graphql"
gql "$query" '{"owner":"acme","name":"bots","n0":7}' -H 'Authorization: Bearer t'
if grep -q 'no GraphQL validator' "$tmp/b"; then
    fail "no GraphQL validator: run scripts/deps.sh (node, npm install)"
fi
check "a valid query answers 200" [ "$code" = 200 ]
check "with the files' first page" \
    grep -qF '"files":{"totalCount":3,"nodes":[{"path":"a.c","additions":1,"deletions":2},{"path":"b.c","additions":3,"deletions":4}],"pageInfo":{"hasNextPage":true' "$tmp/b"
check "a Bot's login without [bot], as GitHub's GraphQL names it" \
    grep -qF '"author":{"login":"helper","__typename":"Bot"}' "$tmp/b"
check "a deleted account is a null author" grep -qF '"author":null' "$tmp/b"
check "an unknown PR is null beside a NOT_FOUND error" \
    grep -qF '"p1":null' "$tmp/b"
check "  naming it" grep -qF '"type":"NOT_FOUND","path":["repository","p1"]' "$tmp/b"
check "rateLimit: one point" grep -qF '"rateLimit":{"cost":1,"remaining":4999}' "$tmp/b"
# One counted request of one point, none of the REST limit.
for want in rate_used=0 counted=1 graphql_points=1; do
    check "GraphQL stats: $want" [ "$(stat_of "${want%=*}")" = "${want#*=}" ]
done
gql '"{ repository(owner: \"acme\", name: \"bots\") { pullRequest(number: 7) { filez { path } } } }"' \
    '{}' -H 'Authorization: Bearer t'
check "a query GitHub's schema refuses answers 200" [ "$code" = 200 ]
check "  with the schema's error" \
    grep -qF 'Cannot query field \"filez\" on type \"PullRequest\"' "$tmp/b"
check_not "  and no data" grep -qF '"data"' "$tmp/b"
gql '"{ repository(owner: \"acme\" name: \"bots\") {"' '{}' -H 'Authorization: Bearer t'
check "a query that does not parse is refused" grep -qF '"errors":[{"message":"Syntax Error' "$tmp/b"
gql "$query" '{"owner":"acme","name":"bots","n0":7}'
check "GraphQL without a token answers 401" [ "$code" = 401 ]
stop
start --data "$tmp/gql" --no-graphql
gql_url="$base/graphql"
gql "$query" '{"owner":"acme","name":"bots","n0":7}' -H 'Authorization: Bearer t'
check "--no-graphql answers 404" [ "$code" = 404 ]
stop
start --data "$tmp/gql" --prefix /api/v3
gql_url="${base%/v3}/graphql"
gql "$query" '{"owner":"acme","name":"bots","n0":7}' -H 'Authorization: Bearer t'
check "GitHub Enterprise: /api/graphql beside /api/v3" [ "$code" = 200 ]
check "  answers the query" grep -qF '"rateLimit":{"cost":1' "$tmp/b"
stop

if [ "$fails" -ne 0 ]; then
    echo "selfcheck: $fails of $((checks + fails)) checks failed" >&2
    exit 1
fi
echo "selfcheck: all $checks checks passed"
