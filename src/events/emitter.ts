import { ErrorCodes, VexfsError } from '../errors.js';
import type { EventLog } from '../log/event-log.js';
import { createEventCodec, type EventCodec } from './codec.js';
import { uuidv7 } from './uuid7.js';
import { DEFAULT_PRIORITY, type EventDraft, type Kind, type VexEvent } from './types.js';

/** Options of the emitter. */
export interface EmitterOptions {
  /** Node name stamped on every event; seq and the hash chain are per node. */
  node: string;
  log: EventLog;
  codec?: EventCodec;
  /** Clock in microseconds since the epoch; default Date.now() * 1000 refined by hrtime. */
  nowMicros?: () => number;
  /** Validate payloads against the schema on every emit (default true). */
  validate?: boolean;
  /** Called after each successful append (metrics, live fan-out); must not throw. */
  onEmit?: (ev: VexEvent, bytes: Buffer) => void;
}

/** Stamps drafts into events (id, node, seq, ts, hash chain), encodes them into a reused buffer and appends them. */
export interface Emitter {
  /**
   * Appends one event; returns it stamped. Throws VEXFS_EVENT_INVALID naming the bad field.
   * `defer`: the log may write it with the others of this event-loop turn; the caller must wait
   * for `durable()` before acknowledging the operation the event records.
   */
  emit<K extends Kind>(draft: EventDraft<K>, defer?: boolean): VexEvent<K>;
  /**
   * Resolves when every event emitted so far is written (deferred appends) and, with the strict
   * policy, durable; null when nothing needs waiting for.
   */
  durable(): Promise<void> | null;
  /** Seq of the last event emitted. */
  readonly seq: number;
  readonly codec: EventCodec;
}

const INITIAL_BUFFER = 64 * 1024;

/** Default microsecond clock: wall clock anchored once, advanced by the monotonic hrtime. */
export function microClock(): () => number {
  const wall0 = Date.now() * 1000;
  const mono0 = process.hrtime.bigint();
  return () => wall0 + Number((process.hrtime.bigint() - mono0) / 1000n);
}

export function createEmitter(opts: EmitterOptions): Emitter {
  const { node, log } = opts;
  const codec = opts.codec ?? createEventCodec();
  const now = opts.nowMicros ?? microClock();
  const validate = opts.validate ?? true;
  const tail = log.tail();
  let seq = tail.seq;
  let prevHash = tail.hash;
  // One scratch buffer reused for every encode; grows (rarely) for a large event.
  let scratch = Buffer.allocUnsafe(INITIAL_BUFFER);

  return {
    codec,
    get seq() { return seq; },
    emit(draft, defer = false) {
      if (validate) codec.validate(draft.kind, draft.op, draft.payload);
      if (typeof draft.op !== 'string' || typeof draft.key !== 'string') {
        throw new VexfsError(ErrorCodes.EVENT_INVALID, `event op and key must be strings (op=${String(draft.op)}, key=${String(draft.key)})`);
      }
      const ts = draft.ts ?? now();
      const ev = {
        id: uuidv7(Math.floor(ts / 1000)), node, seq: seq + 1, ts, kind: draft.kind, op: draft.op,
        priority: draft.priority ?? DEFAULT_PRIORITY[draft.kind], key: draft.key, prevHash,
        payload: draft.payload, hash: prevHash,
      } as VexEvent<typeof draft.kind>;
      let end = codec.encodeInto(ev, scratch, 0);
      while (end < 0) {
        scratch = Buffer.allocUnsafe(scratch.length * 2);
        end = codec.encodeInto(ev, scratch, 0);
      }
      log.append(ev, scratch.subarray(0, end), defer);
      seq = ev.seq;
      prevHash = ev.hash;
      opts.onEmit?.(ev, scratch.subarray(0, end));
      return ev;
    },
    durable() {
      return log.strict ? log.flush() : log.written?.() ?? null;
    },
  };
}
