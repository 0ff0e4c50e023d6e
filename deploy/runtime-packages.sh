#!/usr/bin/env bash
# deploy/runtime-packages.sh - the Debian packages that binaries link
# SPDX-License-Identifier: MIT
#
# Usage: deploy/runtime-packages.sh BINARY...
#
# Prints, one a line and sorted, the Debian packages that hold the shared
# libraries the binaries link directly (their ELF NEEDED entries, resolved
# as the dynamic loader does, through ldd), without libc6, which every
# Debian image has. deploy/Dockerfile installs exactly these in the runtime
# stage, so an image holds the libraries its binaries use and no others
# (libmicrohttpd12 only when the binaries link libmicrohttpd). Exits 1 when
# a library cannot be found or belongs to no package.
set -euo pipefail

[ "$#" -gt 0 ] || {
    echo "usage: $0 BINARY..." >&2
    exit 2
}

declare -A pkgs=()
for bin in "$@"; do
    needed=$(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }')
    for lib in $needed; do
        path=$(ldd "$bin" | awk -v l="$lib" '$1 == l && $2 == "=>" { print $3 }')
        if [ -z "$path" ] || [ "$path" = "not" ]; then
            echo "runtime-packages: $bin: $lib not found" >&2
            exit 1
        fi
        # dpkg knows the file under its real name (/lib is /usr/lib).
        pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null ||
            dpkg -S "$path" 2>/dev/null || true)
        pkg=${pkg%%:*}
        if [ -z "$pkg" ]; then
            echo "runtime-packages: $bin: $path belongs to no package" >&2
            exit 1
        fi
        [ "$pkg" = libc6 ] || pkgs[$pkg]=1
    done
done
printf '%s\n' "${!pkgs[@]}" | sort
