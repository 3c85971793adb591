#!/usr/bin/env bash
# Rebuilds hnswlib-node's addon for the CPU of this machine (-O3 -march=native).
#
# Why: npm builds hnswlib-node from source with the compiler's default target (x86-64: SSE2
# only), and hnswlib picks its distance functions at compile time (__AVX__ / __AVX512F__), so
# the stock addon computes every HNSW distance with SSE. Built for the local CPU it uses AVX2 or
# AVX-512: measured here 1.3-1.6x the inserts and searches per second (docs/benchmarks/vector.md).
#
# The trade: the binary is tuned to the CPU of the machine that ran this script. Copied to an
# older CPU (a node_modules baked into an image, a shared volume) it may stop with SIGILL. The
# marker records the CPU flags, so running scripts/setup.sh on the other machine rebuilds it;
# VEXFS_HNSW_PORTABLE=1 builds (or restores) the stock portable addon instead.
#
# It also applies src/producers/vector/native/hnswlib-node-float32.patch: addPoint and searchKnn
# accept a Float32Array, copied in one memcpy (an Array is read with one N-API call per element,
# ~20 us per 384-d vector here). hnswlib-node exports vexfsFloat32Input = 1 when patched;
# src/producers/vector/hnsw-index.ts passes Float32Arrays only then. A patch that does not apply
# (another hnswlib-node version) is skipped with a warning: plain arrays are used.
#
# Run by scripts/setup.sh; idempotent (a marker beside the addon says what it was built for).
# The build happens in a temporary copy and the addon is smoke-tested before it replaces the
# installed one, so a failure leaves the stock build in place. Exit 1 on failure (setup.sh prints
# the fallback message).
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=node_modules/hnswlib-node
addon=$pkg/build/Release/addon.node
marker=$pkg/build/Release/.vexfs-native
[ -f "$pkg/package.json" ] || { echo "hnswlib-node is not installed (run npm install)" >&2; exit 1; }

node_bin=$(readlink -f "$(command -v node)")
npm_cli=$(readlink -f "$(command -v npm)")
gyp="$(dirname "$(dirname "$npm_cli")")/node_modules/node-gyp/bin/node-gyp.js"
nodedir="$(dirname "$(dirname "$node_bin")")"
ver=$(node -p "require('./$pkg/package.json').version + ' node ' + process.version")
patchfile=src/producers/vector/native/hnswlib-node-float32.patch
patchsum=$(md5sum < "$patchfile" | cut -c1-12)
cpu=$( (grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || uname -m) | md5sum | cut -c1-12)
portable=${VEXFS_HNSW_PORTABLE:-0}
if [ "$portable" = 1 ]; then
  want="portable hnswlib-node $ver patch $patchsum"
  flags=""
else
  want="march=native hnswlib-node $ver patch $patchsum cpu $cpu"
  flags="-march=native"
fi
# Already built for this: nothing to do.
if [ -f "$addon" ] && [ "$(cat "$marker" 2>/dev/null)" = "$want" ]; then exit 0; fi

tmp=$(mktemp -d /tmp/vexfs-hnswlib.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp -r "$pkg/binding.gyp" "$pkg/package.json" "$pkg/src" "$pkg/lib" "$tmp/"
# node-addon-api (binding.gyp's include_dirs) resolves from the package, hoisted or nested.
[ -d "$pkg/node_modules" ] && cp -r "$pkg/node_modules" "$tmp/"
mkdir -p "$tmp/node_modules"; [ -e "$tmp/node_modules/node-addon-api" ] || ln -s "$(readlink -f node_modules/node-addon-api)" "$tmp/node_modules/node-addon-api"
if ! patch -d "$tmp" -p1 --forward --quiet < "$patchfile" >"$tmp/patch.log" 2>&1; then
  echo "[setup] $patchfile does not apply to hnswlib-node $ver: building without it (vectors passed as plain arrays)" >&2
  rm -rf "$tmp/src"; cp -r "$pkg/src" "$tmp/"
fi
if ! (cd "$tmp" && CXXFLAGS="$flags" CFLAGS="$flags" "$node_bin" "$gyp" rebuild --nodedir="$nodedir") >"$tmp/build.log" 2>&1; then
  tail -20 "$tmp/build.log" >&2
  exit 1
fi
# Smoke test in a child process (a SIGILL must not take setup down): exact nearest neighbours found.
if ! node -e "
const addon = require('$tmp/build/Release/addon.node');
for (const [metric, dim] of [['l2', 17], ['cosine', 384], ['ip', 64]]) {
  const ix = new addon.HierarchicalNSW(metric, dim);
  ix.initIndex({ maxElements: 300, m: 16, efConstruction: 100, randomSeed: 100 });
  const rows = [];
  for (let i = 0; i < 300; i++) { const v = Array.from({ length: dim }, (_, j) => { const s = Math.sin(i * 12.9898 + j * 78.233) * 43758.5453; return s - Math.floor(s) - 0.5; }); rows.push(v); ix.addPoint(v, i); }
  ix.setEf(300);
  for (const i of [0, 123, 299]) { const r = ix.searchKnn(rows[i], 1); if (r.neighbors[0] !== i && r.distances[0] > 1e-4) throw new Error(metric + ': row ' + i + ' not found'); }
  if (addon.vexfsFloat32Input === 1) {
    const f = new Float32Array(dim + 2).subarray(1, dim + 1); f.set(rows[77]);
    const r = ix.searchKnn(f, 3), a = ix.searchKnn(rows[77], 3);
    if (JSON.stringify(r) !== JSON.stringify(a)) throw new Error(metric + ': Float32Array and Array queries differ');
    ix.addPoint(f, 5); if (ix.searchKnn(rows[77], 2).neighbors.indexOf(5) < 0) throw new Error(metric + ': Float32Array addPoint');
    let threw = false; try { ix.searchKnn(new Float64Array(dim), 1); } catch { threw = true; } if (!threw) throw new Error('Float64Array accepted');
  }
}
" >"$tmp/smoke.log" 2>&1; then
  cat "$tmp/smoke.log" >&2
  echo "the rebuilt addon failed its smoke test" >&2
  exit 1
fi
mkdir -p "$(dirname "$addon")"
cp "$tmp/build/Release/addon.node" "$addon.new"
mv -f "$addon.new" "$addon"
echo "$want" > "$marker"
