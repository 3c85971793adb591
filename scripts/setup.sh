#!/usr/bin/env bash
# Installs everything VexFS needs on a fresh Debian machine: Debian packages (as root),
# npm packages (native addons approved in package.json allowScripts) and the Kafka broker
# jars (Maven Central). Idempotent: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=0; [ "${1:-}" = "--quiet" ] && quiet=1
log() { [ "$quiet" = 1 ] || echo "[setup] $*"; }

debs=(libfuse2 fuse clickhouse-server clickhouse-client prometheus kcat python3-avro git sqlite3 fio tar chromium libfuse-dev attr curl patch make g++)
missing=()
for d in "${debs[@]}"; do dpkg -s "$d" >/dev/null 2>&1 || missing+=("$d"); done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "[setup] missing Debian packages: ${missing[*]} — run: sudo apt-get install ${missing[*]}" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  # npm ci refuses chdb's optional platform packages the registry lacks; install from the lockfile.
  npm install --strict-allow-scripts --no-audit --no-fund >/dev/null
fi

log "building fuse-native with the FUSE-context patch (uid/gid/pid in events)"
bash src/producers/fuse/native/build.sh || echo "[setup] fuse-native could not be rebuilt: fs events will carry uid/gid/pid -1" >&2

# hnswlib's distance functions are chosen at compile time: npm's build targets plain x86-64 (SSE),
# this one the local CPU (AVX2/AVX-512), 1.3-1.6x the vector inserts and searches. The binary then
# suits this machine's CPU only; VEXFS_HNSW_PORTABLE=1 keeps the portable build (see the script).
if [ "${VEXFS_HNSW_PORTABLE:-0}" = 1 ]; then log "hnswlib-node: portable build (VEXFS_HNSW_PORTABLE=1)"; else log "building hnswlib-node for this CPU (-march=native; once, cached)"; fi
bash scripts/build-hnswlib-native.sh || echo "[setup] hnswlib-node could not be rebuilt for this CPU (-march=native): keeping npm's portable build (SSE distances; vector inserts and searches about 1.5x slower)" >&2

log "fetching Kafka broker jars (cached)"
bash infra/kafka/fetch.sh >/dev/null
log "ready"
