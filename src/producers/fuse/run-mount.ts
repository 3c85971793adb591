import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { resolve as resolvePath, sep } from 'node:path';
import { createEmitter } from '../../events/emitter.js';
import { systemPayload } from '../../events/payloads.js';
import { ErrorCodes, VexfsError } from '../../errors.js';
import type { EventLog } from '../../log/event-log.js';
import { openJournal } from '../../log/journal/index.js';
import { metrics } from '../../metrics/registry.js';
import { createFuseOps, unknownContext } from './fuse-ops.js';
import { clearStaleMount, mountFuse, type FuseMount } from './mount.js';
import { resolveRunMountOptions, type RunMountOptions } from './options.js';

/** A running mount. */
export interface RunningMount {
  readonly mountpoint: string;
  readonly backing: string;
  /** The event log the mount writes to. */
  readonly log: EventLog;
  /** Resolves when the mount has been taken down (by stop() or a signal). */
  readonly closed: Promise<void>;
  /** Unmounts, emits the unmount event, flushes and closes the journal. Idempotent. */
  stop(reason?: string): Promise<void>;
}

function defaultOpenLog(dir: string, fsync: 'lazy' | 'strict'): Promise<EventLog> {
  return openJournal({ dir, fsync });
}

/**
 * The whole `vexfs mount <backing> <mountpoint>` process: opens the journal in `dataDir`,
 * clears a stale mount left by a killed process, mounts the passthrough filesystem, emits
 * system events `mount`/`unmount`, and on SIGINT/SIGTERM unmounts cleanly after flushing
 * the journal. Resolves once mounted; `closed` resolves after the unmount.
 */
export async function runMount(options: RunMountOptions): Promise<RunningMount> {
  const o = resolveRunMountOptions(options);
  const mountpoint = resolvePath(o.mountpoint);
  let backing: string;
  try {
    backing = realpathSync(o.backing);
    if (!statSync(backing).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new VexfsError(ErrorCodes.CONFIG_INVALID, `mount option backing = ${JSON.stringify(o.backing)} is invalid: expected an existing directory (${(err as Error).message})`, { context: { key: 'backing', value: o.backing } });
  }
  if (backing === '/' || mountpoint === backing || mountpoint.startsWith(backing + sep) || backing.startsWith(mountpoint + sep)) {
    throw new VexfsError(ErrorCodes.CONFIG_INVALID, `mount option mountpoint = ${JSON.stringify(mountpoint)} is invalid: backing (${backing}) and mountpoint must be separate trees, and backing cannot be /`, { context: { key: 'mountpoint', value: mountpoint } });
  }
  const staleCleared = await clearStaleMount(mountpoint, o.log);
  mkdirSync(mountpoint, { recursive: true });

  const owned = !o.shared;
  const log = o.shared ? o.shared.log : await (o.openLog ?? defaultOpenLog)(o.dataDir, o.fsync);
  const emittedByKind = new Map<string, { inc(): void }>();
  const emitter = o.shared ? o.shared.emitter : createEmitter({
    // Payloads are built field by field from typed values; skipping the per-event schema walk keeps the hot path short.
    node: o.node, log, validate: false,
    onEmit: (ev) => {
      let c = emittedByKind.get(ev.kind);
      if (!c) emittedByKind.set(ev.kind, (c = metrics.eventsEmitted.labels(ev.kind)));
      c.inc();
    },
  });
  if (staleCleared) {
    emitter.emit({ kind: 'system', op: 'stale-mount-cleared', key: mountpoint, payload: systemPayload({ type: 'stale-mount-cleared', message: staleCleared }) });
  }
  const hooks = o.hooks ? await o.hooks({ log, node: o.node, emitter }) : null;
  const context = unknownContext();
  const ops = createFuseOps({
    root: backing, emitter: o.events ? emitter : null, hooks, contentHash: o.contentHash, similarK: o.similarK,
    xattrMaxValueBytes: o.xattrMaxValueBytes, context,
  });
  const cache = { attrTimeout: o.attrTimeout, entryTimeout: o.entryTimeout, kernelCache: o.kernelCache };
  const attrs: Record<string, string> = { backing, mountpoint, attrTimeout: String(o.attrTimeout), entryTimeout: String(o.entryTimeout), kernelCache: String(o.kernelCache), events: String(o.events), pid: String(process.pid) };

  let mount: FuseMount;
  try {
    mount = await mountFuse(mountpoint, ops, cache, 'vexfs', context);
  } catch (err) {
    if (owned) await log.close();
    throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `mounting ${backing} at ${mountpoint} failed: ${(err as Error).message}`, { context: { mountpoint, backing }, cause: err });
  }
  // Whether fs events carry the caller's uid/gid/pid (fuse-native built with the context patch) or -1.
  attrs.callerContext = String(mount.context);
  emitter.emit({ kind: 'system', op: 'mount', key: mountpoint, payload: systemPayload({ type: 'mount', message: `mounted ${backing} at ${mountpoint}`, attrs }) });
  await log.flush();
  o.log(`mounted ${backing} at ${mountpoint} (journal ${o.dataDir}, fsync ${o.fsync}, attrTimeout ${o.attrTimeout}s, entryTimeout ${o.entryTimeout}s, kernelCache ${o.kernelCache}, caller uid/gid/pid in events: ${mount.context ? 'yes' : 'no (fuse-native without the context patch: -1)'})`);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => { resolveClosed = r; });
  let stopping: Promise<void> | null = null;
  const onSignal = (sig: NodeJS.Signals): void => { void stop(sig).then(() => process.exit(0), (err) => { o.log(`unmount failed: ${(err as Error).message}`); process.exit(1); }); };
  if (o.handleSignals) { process.once('SIGINT', onSignal); process.once('SIGTERM', onSignal); }

  function stop(reason = 'stop'): Promise<void> {
    stopping ??= (async () => {
      if (o.handleSignals) { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); }
      await log.flush();
      try {
        await mount.unmount();
      } catch (err) {
        o.log(`unmount of ${mountpoint} failed (${(err as Error).message}); detaching lazily`);
        await clearStaleMount(mountpoint, o.log).catch(() => undefined);
      }
      emitter.emit({ kind: 'system', op: 'unmount', key: mountpoint, payload: systemPayload({ type: 'unmount', message: `unmounted ${mountpoint} (${reason})`, attrs }) });
      if (owned) await log.close(); else await log.flush();
      o.log(`unmounted ${mountpoint} (${reason})`);
      resolveClosed();
    })();
    return stopping;
  }
  return { mountpoint, backing, log, closed, stop };
}
