import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, VexfsError } from '../errors.js';
import type { Emitter } from '../events/emitter.js';
import { systemPayload } from '../events/payloads.js';
import type { EventDraft, Kind, VexEvent } from '../events/types.js';
import { loadOrCreateSigningKey, signCheckpoint, type SigningKey } from './signing-key.js';

/** Options of the checkpointer (config keys audit.checkpointEvery / audit.checkpointIntervalMs). */
export interface CheckpointerOptions {
  /** Write a checkpoint after this many events since the last one; default 10000, 0 = off. */
  every?: number;
  /** And at least every this many ms while events flow; default 60000, 0 = off. */
  intervalMs?: number;
  /** Directory holding the Ed25519 key (generated on first use, mode 0600) and last-checkpoint.json. Required. */
  keyDir: string;
  /** Injected key (tests); default loaded from keyDir. */
  key?: SigningKey;
}

/** An emitter that also writes signed checkpoints. */
export interface CheckpointingEmitter extends Emitter {
  /** Writes a checkpoint now covering the last event (no-op when nothing was emitted since the last one). */
  checkpoint(): VexEvent<'system'> | null;
  /** Writes a final checkpoint and stops the timer. */
  stop(): void;
  readonly publicKey: Buffer;
}

/** The file in keyDir holding the newest checkpoint, an anchor `verify` uses to detect a truncated tail. */
export const LAST_CHECKPOINT_FILE = 'last-checkpoint.json';

/** A checkpoint as written to last-checkpoint.json and to export manifests. */
export interface CheckpointRecord {
  node: string;
  /** seq of the checkpoint event itself */
  eventSeq: number;
  checkpointSeq: number;
  checkpointHash: string;
  signature: string;
  publicKey: string;
  ts: number;
}

const KNOWN = new Set(['every', 'intervalMs', 'keyDir', 'key']);

function validate(opts: CheckpointerOptions): Required<Omit<CheckpointerOptions, 'key'>> {
  for (const k of Object.keys(opts)) {
    if (!KNOWN.has(k)) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `unknown checkpointer option '${k}'; allowed: ${[...KNOWN].join(', ')}`, { context: { key: k } });
  }
  const every = opts.every ?? 10000;
  const intervalMs = opts.intervalMs ?? 60000;
  for (const [k, v] of [['every', every], ['intervalMs', intervalMs]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `checkpointer option ${k} = ${JSON.stringify(v)} must be an integer >= 0 (0 = off)`, { context: { key: k, value: v } });
  }
  if (typeof opts.keyDir !== 'string' || opts.keyDir === '') throw new VexfsError(ErrorCodes.CONFIG_INVALID, `checkpointer option keyDir = ${JSON.stringify(opts.keyDir)} must be a directory path`, { context: { key: 'keyDir' } });
  return { every, intervalMs, keyDir: opts.keyDir };
}

/**
 * Wraps an emitter so that it writes a `system` event op 'checkpoint' every `every` events
 * or `intervalMs` ms: checkpointSeq/checkpointHash name the last event, signed with Ed25519
 * over node|seq|hash. Producers must emit through the returned emitter.
 */
export function attachCheckpointer(emitter: Emitter, options: CheckpointerOptions): CheckpointingEmitter {
  const opts = validate(options);
  const key = options.key ?? loadOrCreateSigningKey(opts.keyDir);
  let since = 0;
  let last: VexEvent | null = null;
  let stopped = false;

  function checkpoint(): VexEvent<'system'> | null {
    if (!last || since === 0) return null;
    const covered = last;
    const signature = signCheckpoint(key, covered.node, covered.seq, covered.hash);
    since = 0;
    const ev = emitter.emit({
      kind: 'system', op: 'checkpoint', key: covered.node,
      payload: systemPayload({ type: 'checkpoint', message: `checkpoint of ${covered.node} at seq ${covered.seq}`, checkpointSeq: covered.seq, checkpointHash: Buffer.from(covered.hash), signature, publicKey: key.publicKey }),
    });
    last = ev;
    writeAnchor({ node: ev.node, eventSeq: ev.seq, checkpointSeq: covered.seq, checkpointHash: covered.hash.toString('hex'), signature: signature.toString('hex'), publicKey: key.publicKey.toString('hex'), ts: ev.ts });
    return ev;
  }

  function writeAnchor(rec: CheckpointRecord): void {
    const file = join(opts.keyDir, LAST_CHECKPOINT_FILE);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(rec) + '\n');
    renameSync(tmp, file);
  }

  const timer = opts.intervalMs > 0 ? setInterval(() => { if (!stopped) checkpoint(); }, opts.intervalMs) : null;
  timer?.unref();

  return {
    codec: emitter.codec,
    publicKey: key.publicKey,
    get seq() { return emitter.seq; },
    durable: () => emitter.durable(),
    emit<K extends Kind>(draft: EventDraft<K>, defer?: boolean): VexEvent<K> {
      const ev = emitter.emit(draft, defer);
      last = ev;
      since++;
      // the checkpoint event itself is not counted, so an idle log does not checkpoint its checkpoints
      if (opts.every > 0 && since >= opts.every) checkpoint();
      return ev;
    },
    checkpoint,
    stop() {
      if (stopped) return;
      checkpoint();
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}
