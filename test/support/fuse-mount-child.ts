/**
 * Child-process entry for FUSE tests and the benchmark: `tsx test/support/fuse-mount-child.ts '<json RunMountOptions>'`.
 * Calls runMount, prints one line `READY {"pid":…,"mountpoint":…}` once mounted, and exits 0 after
 * SIGINT/SIGTERM unmounted it (runMount's own signal handling). Exits 1 with the error on stderr.
 */
import { runMount } from '../../src/producers/fuse/run-mount.js';
import type { RunMountOptions } from '../../src/producers/fuse/options.js';

const opts = JSON.parse(process.argv[2] ?? '{}') as RunMountOptions;
try {
  const m = await runMount(opts);
  process.stdout.write(`READY ${JSON.stringify({ pid: process.pid, mountpoint: m.mountpoint, backing: m.backing })}\n`);
} catch (err) {
  process.stderr.write(`fuse-mount-child: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
