#!/usr/bin/env bash
# test_consumers.sh - dp-notifier and dp-publisher on a real pipeline
# SPDX-License-Identifier: MIT
#
# `devpulse up --since` catches up the hourly windows of the last hours
# against the GitHub stand-in, on a shared Redis. dp-publisher (a local
# bare git repository) subscribes to the renderer's report tap of its
# state directory, with its CurveZMQ key, before the stack starts (a
# report published before its connection is up it reads from the reports
# log); dp-notifier (webhook-standin as Slack and Feishu) starts after the
# reports were written and finds them in the reports log. Each window gets
# one post per webhook and one commit. Their logs hold neither the webhook
# URLs' secret paths nor the token.
set -u
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }
command -v git >/dev/null || { echo "SKIP: git not installed"; exit 77; }

e2e_standin busy --data "$DP_SOURCE_DIR/tests/data/busy" --port 0
e2e_redis
STATE="$E2E_TMP/state"
SITE="$E2E_TMP/site"
mkdir -p "$STATE" "$SITE"
# The deployment key, made first, so the consumers can start before the
# stack and miss nothing it publishes.
(umask 077 && "$DP_BIN_DIR/devpulse" keygen >"$STATE/curve.key")

"$DP_BIN_DIR/webhook-standin" --feishu-secret fs-secret >"$E2E_TMP/hooks.out" \
    2>"$E2E_TMP/hooks.err" &
E2E_PIDS+=("$!")
e2e_until 300 test -s "$E2E_TMP/hooks.out" || { echo "webhook-standin did not start"; exit 1; }
HOOKS=$(head -n 1 "$E2E_TMP/hooks.out")
git init -q --bare "$E2E_TMP/pages.git"

export DP_CURVE_KEY_FILE="$STATE/curve.key" REDIS_URL="$REDIS_TEST_URL"
export DP_OUT_DIR="$SITE" DP_LOG_LEVEL=info
TAP=">ipc://$STATE/bus/renderer.pub"
DP_PUBLISHER_REPORTS="$TAP" DP_PUBLISH_REPO="$E2E_TMP/pages.git" \
    DP_PUBLISH_BRANCH=gh-pages DP_PUBLISH_DIR=reports \
    DP_PUBLISH_WORK_DIR="$E2E_TMP/publish-work" \
    DP_PUBLISH_TOKEN=hush-token-0123 \
    "$DP_BIN_DIR/dp-publisher" 2>"$E2E_TMP/publisher.err" &
PUBLISHER_PID=$!
E2E_PIDS+=("$PUBLISHER_PID")
e2e_until 300 grep -q "publishing to branch gh-pages" "$E2E_TMP/publisher.err"

printf 'timezone: UTC\nlanguage: en\nwindows: [hourly]\nrepositories:\n  - %s\noutputs: {dir: %s, formats: [md, html, json]}\n' \
    vllm-project/vllm "$SITE" >"$E2E_TMP/up.yml"
SINCE=$(date -u -d '-200 min' +%Y-%m-%dT%H:%MZ)
env -u DP_CURVE_KEY_FILE GITHUB_API_URL="$STANDIN_URL" \
    GITHUB_TOKEN="" DP_RETRY_BASE_MS=20 \
    setsid "$DP_BIN_DIR/devpulse" up -c "$E2E_TMP/up.yml" --state "$STATE" \
    --since "$SINCE" 2>"$E2E_TMP/up.err" &
E2E_PIDS+=("$!")
e2e_until 600 test -s "$STATE/devpulse.pid" && E2E_PIDS+=("$(cat "$STATE/devpulse.pid")")

reports() { find "$SITE" -path '*/_posts/*.md' | wc -l; }
posts() { curl -s "$HOOKS/_standin/posts" | jq "[.posts[] | select(.path | startswith(\"$1\")) | select(.status == 200)] | length"; }
commits() { git --git-dir="$E2E_TMP/pages.git" rev-list --count gh-pages 2>/dev/null || echo 0; }
two_reports() { [ "$(reports)" -ge 2 ]; }
slack_all() { [ "$(posts /slack)" -eq "$N" ]; }
feishu_all() { [ "$(posts /feishu)" -eq "$N" ]; }
commits_all() { [ "$(commits)" -eq "$N" ]; }
# At least two windows reported, and as many posts and commits.
check "devpulse up reports the windows since $SINCE" e2e_until 1200 two_reports
sleep 2
N=$(reports)
# The notifier starts only now: what it missed, it reads from the reports
# log the renderer keeps in Redis.
DP_NOTIFIER_REPORTS="$TAP" DP_NOTIFIER_REPOS=vllm-project/vllm \
    DP_NOTIFIER_BASE_URL=https://pages.example.org \
    DP_SLACK_WEBHOOK_URL="$HOOKS/slack/T0/B0/hush-slack-path" \
    DP_FEISHU_WEBHOOK_URL="$HOOKS/feishu/hook/hush-feishu-path" \
    DP_FEISHU_SECRET=fs-secret \
    "$DP_BIN_DIR/dp-notifier" 2>"$E2E_TMP/notifier.err" &
NOTIFIER_PID=$!
E2E_PIDS+=("$NOTIFIER_PID")
check "the notifier starts late" \
    e2e_until 300 grep -q "posting to the feishu webhook" "$E2E_TMP/notifier.err"
check "one Slack post per window ($N)" e2e_until 600 slack_all
check "one Feishu post per window ($N), signed" e2e_until 600 feishu_all
check "one commit per window ($N)" e2e_until 600 commits_all
check "no Feishu post had a bad signature" \
    test "$(curl -s "$HOOKS/_standin/posts" | jq '[.posts[] | select(.sign_ok == false)] | length')" -eq 0
check "the Slack text links the report on the site" \
    bash -c "curl -s '$HOOKS/_standin/posts' | grep -q 'https://pages.example.org/vllm-project/vllm/'"
first=$(find "$SITE" -path '*/_posts/*.md' | sort | head -n 1)
rel=${first#"$SITE"/}
check "the report is on the branch under reports/" \
    bash -c "git --git-dir='$E2E_TMP/pages.git' show 'gh-pages:reports/$rel' | cmp -s - '$first'"
check "and so is its JSON" \
    bash -c "git --git-dir='$E2E_TMP/pages.git' show 'gh-pages:reports/$rel.json' | cmp -s - '$first.json'"
sleep 1
check "still one post and one commit per window" \
    test "$(posts /slack)" -eq "$N" -a "$(commits)" -eq "$N"
check "the notifier's log names no webhook path" \
    bash -c "! grep -q hush '$E2E_TMP/notifier.err'"
check "the publisher's log holds no token" \
    bash -c "! grep -q hush-token '$E2E_TMP/publisher.err'"
check "the logs name the webhook's host" grep -q "127.0.0.1" "$E2E_TMP/notifier.err"
kill "$NOTIFIER_PID" "$PUBLISHER_PID"
e2e_wait_exit "$NOTIFIER_PID" 100
check "dp-notifier stops on SIGTERM (got $ST)" [ "$ST" = 0 ]
e2e_wait_exit "$PUBLISHER_PID" 100
check "dp-publisher stops on SIGTERM (got $ST)" [ "$ST" = 0 ]
e2e_finish
