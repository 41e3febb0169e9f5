#!/usr/bin/env bash
# Builds Eddy's Kafka test broker: librdkafka 2.15.1's mock cluster (from the
# npm package @confluentinc/kafka-javascript@1.10.1, deps/librdkafka), patched
# with patches/*.patch, linked into mock-broker.c.
#
#   build.sh            build if needed; the last stdout line is the binary path
#   build.sh --locate   print the cached binary path, or fail if not built
#
# The result is cached under <repo>/.cache/kafka-broker/<hash of inputs>/, so a
# second run is instant. EDDY_KAFKA_BROKER_CACHE overrides the cache folder.
# Needs gcc, make, patch, tar and npm (build-essential is installed with
# apt-get when gcc or make is missing and we are root on Debian).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cache="${EDDY_KAFKA_BROKER_CACHE:-$repo/.cache/kafka-broker}"

pkg="@confluentinc/kafka-javascript@1.10.1"
tgz_name="confluentinc-kafka-javascript-1.10.1.tgz"
tgz_sha256="ada7d703bb1d3237e2292bfabf438d663b6160c9f1ac2a2406b5dc4257c81b66"

log() { echo "[kafka-broker] $*" >&2; }

# Everything that changes the binary goes into the hash.
inputs_hash() {
  {
    echo "$tgz_sha256"
    cat "$here/build.sh" "$here/mock-broker.c"
    for p in "$here"/patches/*.patch; do echo "== $(basename "$p")"; cat "$p"; done
  } | sha256sum | cut -c1-16
}

hash="$(inputs_hash)"
out="$cache/$hash"
bin="$out/mock-broker"

if [ "${1:-}" = "--locate" ]; then
  if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
  log "not built: run $here/build.sh"
  exit 1
fi

if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

mkdir -p "$cache"
# One build at a time (parallel test workers may all call us).
exec 9>"$cache/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

if ! command -v gcc >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1 ||
   ! command -v patch >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing build-essential"
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y build-essential patch >&2
  else
    log "gcc, make and patch are required (Debian: apt-get install build-essential)"
    exit 1
  fi
fi

# The source package, downloaded once and checked.
dist="$cache/dist"
tgz="$dist/$tgz_name"
mkdir -p "$dist"
if [ ! -f "$tgz" ] || [ "$(sha256sum "$tgz" | cut -d' ' -f1)" != "$tgz_sha256" ]; then
  log "fetching $pkg"
  rm -f "$tgz"
  (cd "$dist" && npm pack "$pkg" --silent >&2)
fi
if [ "$(sha256sum "$tgz" | cut -d' ' -f1)" != "$tgz_sha256" ]; then
  log "checksum mismatch for $tgz"
  exit 1
fi

work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

log "building in $work (about a minute)"
tar -xzf "$tgz" -C "$work" package/deps/librdkafka
src="$work/package/deps/librdkafka"

for p in "$here"/patches/*.patch; do
  patch -d "$src" -p1 --forward --quiet < "$p" >&2
done

# (configure's output must not go to a file named configure.*)
(cd "$src" && ./configure --no-download --disable-ssl --disable-gssapi \
  --disable-zstd --disable-curl --disable-zlib --disable-lz4-ext \
  --disable-syslog > "$work/log-configure.txt" 2>&1) || {
  cat "$work/log-configure.txt" >&2
  exit 1
}

jobs="$(nproc 2>/dev/null || echo 2)"
make -j"$jobs" -C "$src/src" librdkafka.a > "$work/log-make.txt" 2>&1 || {
  tail -n 50 "$work/log-make.txt" >&2
  exit 1
}

libs="$(sed -n 's/^LIBS+=//p' "$src/Makefile.config" | tr '\n' ' ')"
mkdir -p "$work/out"
# shellcheck disable=SC2086
gcc -O2 -g -Wall -I "$src/src" -o "$work/out/mock-broker" \
  "$here/mock-broker.c" "$src/src/librdkafka.a" $libs -lpthread >&2

# Publish atomically: a half-built folder never looks cached.
rm -rf "$out"
mv "$work/out" "$out"
# Builds from older inputs are of no further use.
for old in "$cache"/????????????????; do
  [ "$old" != "$out" ] && [ -x "$old/mock-broker" ] && rm -rf "$old"
done
log "built $bin"
echo "$bin"
