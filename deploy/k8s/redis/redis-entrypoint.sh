#!/bin/sh
# deploy/redis-entrypoint.sh - starts Redis with its password in a 0600 file
# SPDX-License-Identifier: MIT
#
# docker-compose.yml runs this instead of `redis-server --requirepass PW`,
# which put the password on a command line that every process of the host
# can read (ps, /proc/PID/cmdline). The password comes from the environment
# (REDIS_PASSWORD, from .env) or, when that is empty, from the first line of
# the file REDIS_PASSWORD_FILE names (the compose stack's secrets volume,
# deploy/secrets-init.sh); printf is a shell builtin and sed reads it on
# stdin, so it is never an argument. It is written as a `requirepass` line
# to a file of mode 0600 in a tmpfs, which Redis includes after its config.
# Then the image's own entrypoint runs Redis (as the redis user).
#
# DP_REDIS_CONF, DP_REDIS_AUTH_DIR and DP_REDIS_ENTRYPOINT override the
# paths (tests/e2e/test_secrets.sh runs this outside a container).
set -eu

if [ -z "${REDIS_PASSWORD:-}" ] && [ -n "${REDIS_PASSWORD_FILE:-}" ]; then
    IFS= read -r REDIS_PASSWORD <"$REDIS_PASSWORD_FILE" || true
fi
: "${REDIS_PASSWORD:?set REDIS_PASSWORD (or REDIS_PASSWORD_FILE)}"
conf=${DP_REDIS_CONF:-/usr/local/etc/redis/redis.conf}
dir=${DP_REDIS_AUTH_DIR:-/run/redis-auth}
entry=${DP_REDIS_ENTRYPOINT:-docker-entrypoint.sh}

case "$REDIS_PASSWORD" in
*'
'*)
    echo "redis-entrypoint: REDIS_PASSWORD must be one line" >&2
    exit 2
    ;;
esac

umask 077
mkdir -p "$dir"
auth="$dir/auth.conf"
# A double-quoted Redis config string: backslashes and quotes escaped.
quoted=$(printf '%s' "$REDIS_PASSWORD" | sed 's/[\\"]/\\&/g')
printf 'requirepass "%s"\n' "$quoted" >"$auth"
unset quoted REDIS_PASSWORD
if [ "$(id -u)" = 0 ] && id redis >/dev/null 2>&1; then
    chown redis "$dir" "$auth" # the image's entrypoint drops to redis
fi
exec "$entry" redis-server "$conf" --include "$auth" "$@"
