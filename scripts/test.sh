#!/usr/bin/env bash
# The test command (npm test): type-check, unit tests, then integration and end-to-end
# tests against real services started here once (Kafka broker, ClickHouse server) and
# stopped by pid on exit. Set KAFKA_BROKERS / CLICKHOUSE_URL to use running ones instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tier="${1:-all}"
work="$(mktemp -d /tmp/vexfs-test.XXXXXX)"
pidfile="$work/pids"
cleanup() {
  # best effort: nothing here may change the exit status (grep finding no mount exits 1 under pipefail)
  set +e
  if [ -f "$pidfile" ]; then
    while read -r pid; do [ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done < "$pidfile"
    sleep 2
    while read -r pid; do [ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null || true; done < "$pidfile"
  fi
  # a test killed mid-mount must not leave a FUSE mount behind
  grep -E " fuse(\.| )" /proc/mounts 2>/dev/null | grep vexfs | awk '{print $2}' | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
  return 0
}
trap 'rc=$?; cleanup; exit $rc' EXIT

# a fresh clone needs its packages, the Kafka jars and Debian packages first (idempotent, quick when done)
bash scripts/setup.sh --quiet

failed=0
# every tier runs even when an earlier one failed; the exit status says whether any did
run() { node --import tsx --test --test-concurrency=1 --test-timeout=600000 "$@" || failed=1; }

npx tsc --noEmit -p .
shopt -s nullglob globstar
# node 20's test runner takes no glob patterns: bash expands them
if [ "$tier" = all ] || [ "$tier" = unit ]; then
  run test/unit/**/*.test.ts
fi
if [ "$tier" = all ] || [ "$tier" = integration ] || [ "$tier" = e2e ]; then
  if [ -z "${KAFKA_BROKERS:-}" ]; then
    eval "$(timeout 180 npx tsx test/support/start-services.ts "$pidfile")"
  fi
  export VEXFS_TEST_WORK="$work"
  if [ "$tier" != e2e ]; then files=(test/integration/**/*.test.ts); [ ${#files[@]} -gt 0 ] && run "${files[@]}"; fi
  if [ "$tier" != integration ]; then files=(test/e2e/**/*.test.ts); [ ${#files[@]} -gt 0 ] && run "${files[@]}"; fi
fi
if [ "$failed" != 0 ]; then echo "npm test: some tests failed (see the '# fail' lines above)" >&2; exit 1; fi
