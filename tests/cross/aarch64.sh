#!/usr/bin/env bash
# Cross-compilation check: builds the examples for aarch64, runs them under
# qemu-user with Debian's arm64 CPython 3.11, and compares every result with
# the x86-64 build. Installs its tools with apt (root) when they are missing,
# so it is kept out of tests/run.sh; .ci/run calls it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

need=()
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

SYSROOT="$PWD/.cross/aarch64"
if [ ! -x "$SYSROOT/usr/bin/python3.11" ] || [ ! -e "$SYSROOT/usr/lib/aarch64-linux-gnu/libgomp.so.1" ]; then
    dpkg --add-architecture arm64
    apt-get update -qq
    debs="$(mktemp -d)"
    (cd "$debs" && apt-get download -qq python3.11-minimal:arm64 libpython3.11-minimal:arm64 \
        libpython3.11-stdlib:arm64 libc6:arm64 libexpat1:arm64 zlib1g:arm64 libgcc-s1:arm64 libgomp1:arm64 2>/dev/null)
    mkdir -p "$SYSROOT"
    for d in "$debs"/*.deb; do dpkg -x "$d" "$SYSROOT"; done
    rm -rf "$debs"
fi

[ -x target/release/pyc-aot ] || cargo build --release
exec python3 tests/cross/compare.py "$SYSROOT"
