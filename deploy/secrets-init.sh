#!/bin/sh
# deploy/secrets-init.sh - the compose stack's own secrets, made once
# SPDX-License-Identifier: MIT
#
# docker-compose.yml runs this (service secrets-init, as the services' user
# nobody) before anything else, so `cp .env.example .env; docker-compose up
# -d` starts a secured stack with no secret typed in: what .env leaves empty
# is made here, once, into the `secrets` volume, and kept from one start to
# the next.
#
#   curve.key       the bus's CurveZMQ keypair (`devpulse keygen`), mode
#                   0600: read by the services (DP_CURVE_KEY_FILE), which
#                   all run as nobody
#   redis.password  48 hexadecimal digits from /dev/urandom, mode 0440,
#                   group nogroup: read by the services (REDIS_PASSWORD_FILE)
#                   and by Redis, which joins that group
#
# A secret set in .env (DP_CURVE_PUBLIC_KEY/DP_CURVE_SECRET_KEY,
# REDIS_PASSWORD) wins over the file everywhere; its file is then not made.
# Nothing secret is printed or put on a command line.
set -eu

dir=${DP_SECRETS_DIR:-/run/devpulse-secrets}
umask 077

if [ -z "${DP_CURVE_PUBLIC_KEY:-}" ] && [ ! -s "$dir/curve.key" ]; then
    devpulse keygen >"$dir/curve.key.new"
    mv "$dir/curve.key.new" "$dir/curve.key"
    echo "secrets-init: made the bus keypair ($dir/curve.key)"
fi
if [ -z "${REDIS_PASSWORD:-}" ] && [ ! -s "$dir/redis.password" ]; then
    od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$dir/redis.password.new"
    echo >>"$dir/redis.password.new"
    chmod 0440 "$dir/redis.password.new"
    mv "$dir/redis.password.new" "$dir/redis.password"
    echo "secrets-init: made the Redis password ($dir/redis.password)"
fi
