#!/usr/bin/env bash
# test_report_cluster.sh - devpulse report through a three-node Redis
# Cluster gives the report a single Redis gives
# SPDX-License-Identifier: MIT
#
# Starts three redis-server nodes with --cluster-enabled yes on free
# 127.0.0.1 ports (each with its cluster bus port and config file in a
# private directory), joins them with `redis-cli --cluster create
# --cluster-replicas 0`, waits for cluster_state:ok and reports the busy
# hour of tests/data/busy (260 items) three ways: on devpulse's own
# redis-server, on the cluster by its seeds (redis+cluster://), and on the
# cluster by a plain redis:// URL of a node that does not hold the
# repository's slot (every command to the repository's keys is answered
# MOVED first). The three reports are the same but for the footer's
# request lines, with the counts the dataset was generated with; all keys
# of the repository are on one node. The nodes are stopped at the end.
set -u
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }
command -v redis-cli >/dev/null || {
    echo "SKIP: redis-cli not installed (Debian: redis-tools; scripts/deps.sh installs it)"
    exit 77
}

e2e_busy_hours
e2e_standin busy --data "$DP_SOURCE_DIR/tests/data/busy" --port 0
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN=""
REPO=vllm-project/vllm

# ==== The cluster ====
CDIR="$E2E_TMP/cluster"
mkdir -p "$CDIR"
PORTS=()
# free_port: a port nothing listens on now (tried by connecting)
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null &&
            ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}
# node: starts one node on a free port (bus on the next one), up to 3 tries
node() {
    local p
    for _ in 1 2 3; do
        p=$(free_port) || return 1
        redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
            --cluster-port $((p + 1)) --cluster-config-file "nodes-$p.conf" \
            --cluster-node-timeout 3000 --save "" --appendonly no \
            --dir "$CDIR" --logfile "redis-$p.log" &
        E2E_PIDS+=($!)
        if e2e_until 100 redis-cli -p "$p" ping >/dev/null 2>&1; then
            PORTS+=("$p")
            return 0
        fi
    done
    return 1
}
for _ in 1 2 3; do
    node || { fail "a cluster node did not start"; e2e_finish; exit 1; }
done
ok_state() {
    for p in "${PORTS[@]}"; do
        redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    done
}
timeout 60 redis-cli --cluster create "${PORTS[@]/#/127.0.0.1:}" \
    --cluster-replicas 0 --cluster-yes >"$CDIR/create.log" 2>&1
check "redis-cli --cluster create" [ $? -eq 0 ]
check "every node reports cluster_state:ok" e2e_until 300 ok_state
ok_state || { tail -5 "$CDIR/create.log"; e2e_finish; exit 1; }
SEEDS=$(printf '127.0.0.1:%s,' "${PORTS[@]}")
CLUSTER_URL="redis+cluster://${SEEDS%,}"
SLOT=$(redis-cli -p "${PORTS[0]}" cluster keyslot "$REPO")
# owner_of SLOT: the port of the node that holds the slot (CLUSTER NODES:
# "id ip:port@bus flags master ping pong epoch state RANGE...")
owner_of() {
    redis-cli -p "${PORTS[0]}" cluster nodes | awk -v s="$1" '{
        for (i = 9; i <= NF; i++) {
            n = split($i, r, "-"); lo = r[1]; hi = n > 1 ? r[2] : r[1]
            if ($i !~ /^\[/ && s + 0 >= lo + 0 && s + 0 <= hi + 0) {
                split($2, a, "[:@]"); print a[2]; exit
            }
        }
    }'
}
OWNER=$(owner_of "$SLOT")
check "the repository's slot ($SLOT) has an owner ($OWNER)" [ -n "$OWNER" ]
OTHER=
for p in "${PORTS[@]}"; do [ "$p" != "$OWNER" ] && OTHER=$p; done

# ==== Three runs of the busy hour ====
FOOT='^- (GitHub API 请求|GitHub API requests|速率限制余量|Rate limit remaining):'
# run NAME: the busy hour into $E2E_TMP/NAME, path in NAME.path
run() {
    "$R" report "$REPO" --from "$BUSY_FROM" --to "$BUSY_TO" \
        --out "$E2E_TMP/$1" --timeout 180 >"$E2E_TMP/$1.path" 2>"$E2E_TMP/$1.err"
    echo $? >"$E2E_TMP/$1.rc"
    check "$1: a report (rc $(cat "$E2E_TMP/$1.rc"))" \
        [ "$(cat "$E2E_TMP/$1.rc")" = 0 -a -s "$(cat "$E2E_TMP/$1.path")" ]
    check "$1: no service failed" \
        bash -c "! grep -qE 'exited with|Sanitizer|ERROR' '$E2E_TMP/$1.err'"
    check "$1: the counts of the dataset" \
        grep -qxF -- "$STATS" "$(cat "$E2E_TMP/$1.path")"
}
same() {
    local a b
    a=$(cat "$E2E_TMP/$1.path") b=$(cat "$E2E_TMP/$2.path")
    [ -s "$a" ] && cmp -s <(grep -vE "$FOOT" "$a") <(grep -vE "$FOOT" "$b")
}

unset REDIS_URL
run single
REDIS_URL="$CLUSTER_URL" run cluster
check "the cluster's report is the single Redis's" same single cluster
# Emptied first, so the whole window is written again through redirects.
for p in "${PORTS[@]}"; do redis-cli -p "$p" flushall >/dev/null; done
REDIS_URL="redis://127.0.0.1:$OTHER" DP_LOG_LEVEL=info run moved
check "by a node without the slot (MOVED): the same report" same single moved
check "... the collector found the cluster by MOVED" \
    grep -q 'a cluster node (MOVED)' "$E2E_TMP/moved.err"

# Every key of the repository is on the node of its slot, and keys of
# other slots (the HTTP cache, by URL) are spread over the nodes.
nodes_with_repo=0
nodes_with_keys=0
for p in "${PORTS[@]}"; do
    n=$(redis-cli -p "$p" --scan --pattern "dp:2:{$REPO}:*" | wc -l)
    [ "$n" -gt 0 ] && nodes_with_repo=$((nodes_with_repo + 1))
    [ "$n" -gt 0 ] && [ "$p" != "$OWNER" ] && fail "keys of $REPO on $p"
    [ "$(redis-cli -p "$p" dbsize)" -gt 0 ] && nodes_with_keys=$((nodes_with_keys + 1))
done
check "the repository's keys are on one node, its slot's" [ "$nodes_with_repo" -eq 1 ]
check "other keys are on every node ($nodes_with_keys)" [ "$nodes_with_keys" -eq 3 ]
untagged=$(for p in "${PORTS[@]}"; do redis-cli -p "$p" --scan --pattern 'dp:2:*'; done |
    grep -F "$REPO" | grep -vF "{$REPO}" | grep -v '^dp:2:http:' | grep -v '^dp:2:pending$' || true)
check "no key names the repository outside its hash tag (but the HTTP cache)" \
    [ -z "$untagged" ]

for p in "${PORTS[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1; done
e2e_finish
