#!/usr/bin/env bash
# Builds fuse-native from source with src/producers/fuse/native/fuse-native-context.patch, which
# hands each request's FUSE context (uid, gid, pid from fuse_get_context()) to JavaScript.
# Run by scripts/setup.sh after npm install; idempotent (patches once, rebuilds when the addon is
# missing or older than the patched source). Needs gcc/g++, make, python3 and Node's headers
# (/usr/include/node, as .npmrc's nodedir says) and libfuse 2 (the package ships its headers).
# node-gyp-build loads build/Release/fuse.node before the package's prebuild, so the patched addon
# wins; if this script fails, the prebuild is used and events carry uid/gid/pid -1.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
pkg=node_modules/fuse-native
patchfile=src/producers/fuse/native/fuse-native-context.patch
[ -f "$pkg/fuse-native.c" ] || { echo "fuse-native is not installed (run npm install)" >&2; exit 1; }
if ! grep -q vexfs_context "$pkg/fuse-native.c"; then
  patch -d "$pkg" -p1 --forward --quiet < "$patchfile"
fi
if [ ! -f "$pkg/build/Release/fuse.node" ] || [ "$pkg/fuse-native.c" -nt "$pkg/build/Release/fuse.node" ]; then
  node_bin=$(readlink -f "$(command -v node)")
  npm_cli=$(readlink -f "$(command -v npm)")
  gyp="$(dirname "$(dirname "$npm_cli")")/node_modules/node-gyp/bin/node-gyp.js"
  out=$(mktemp)
  if ! (cd "$pkg" && "$node_bin" "$gyp" rebuild --nodedir="$(dirname "$(dirname "$node_bin")")") >"$out" 2>&1; then
    cat "$out" >&2; rm -f "$out"; exit 1
  fi
  rm -f "$out"
fi
node -e "
const b = require('node-gyp-build')('$pkg');
if (b.vexfs_context !== 1) { console.error('fuse-native addon without the VexFS context patch'); process.exit(1); }"
