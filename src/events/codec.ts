// crypto.hash (one-shot, Node ≥ 20.12) costs about 40 % of createHash().update().digest() per small event
import { hash as sha256Once } from 'node:crypto';
import { createRequire } from 'node:module';
import avro from 'avsc';
import { ErrorCodes, VexfsError } from '../errors.js';
import { BRANCH_OF_KIND, KIND_OF_BRANCH, PAYLOAD_FILES, fingerprint, loadSchemaSet, type SchemaSet } from './schema.js';
import type { Kind, VexEvent } from './types.js';

/**
 * The Avro codec of the envelope.
 *
 * avsc can only represent a union of records in wrapped form ({"io.vexfs.events.FsPayload": {...}}),
 * which costs an object per event and is awkward for users. Because an Avro record is the
 * concatenation of its fields, we encode the envelope as: head fields (id..prevHash) with one
 * pre-built type, the union branch index as a zigzag varint, the payload with its own pre-built
 * type, then the 32-byte hash. The bytes are exactly the Avro binary encoding of Event.avsc
 * (a unit test checks against avsc's full type), so any Avro library decodes them.
 */

const ZERO_HASH = Buffer.alloc(32);

type Seal = (buf: Uint8Array, start: number, end: number) => number;
/**
 * The native seal (src/audit/native, built at `npm install`): SHA-256 of the encoded body written
 * straight after it, ~0.3 µs per event against ~1.8 µs for node:crypto's one-shot hash plus its
 * result Buffer. Null when the addon was not built: node:crypto then gives the same bytes.
 */
const nativeSeal: Seal | null = (() => {
  try {
    const m = createRequire(import.meta.url)('@vexfs/sha256-batch') as { seal?: Seal | null };
    return typeof m.seal === 'function' ? m.seal : null;
  } catch {
    return null;
  }
})();

/** The 32 hash bytes at `p` as their own Buffer (the event keeps it; `buf` is reused). */
function copyHash(buf: Buffer, p: number): Buffer {
  const h = Buffer.allocUnsafe(32);
  for (let i = 0; i < 32; i++) h[i] = buf[p + i]!;
  return h;
}
/** Single-object encoding marker (Avro spec): 0xC3 0x01. */
const SOE_MAGIC0 = 0xc3;
const SOE_MAGIC1 = 0x01;
const SOE_HEADER = 10;

export interface EventCodec {
  readonly schemas: SchemaSet;
  /** CRC-64-AVRO fingerprint of the writer schema (8 bytes, little-endian). */
  readonly fingerprint: Buffer;
  /**
   * Encodes `ev` (all fields but `hash`) into `buf` at `pos`, then computes the hash chain
   * value, writes it after the body and stores it in `ev.hash`. Returns the end offset, or -1
   * if `buf` is too small (nothing else changed).
   */
  encodeInto(ev: VexEvent, buf: Buffer, pos: number): number;
  /** Decodes one Avro-binary envelope starting at `pos`. */
  decode(buf: Buffer, pos?: number): { event: VexEvent; end: number };
  /** Wraps an encoded body in single-object encoding: C3 01 + fingerprint + body. */
  toSingleObject(body: Buffer): Buffer;
  /** Unwraps a single-object-encoded message; refuses unknown fingerprints with a clear error. */
  fromSingleObject(msg: Buffer): VexEvent;
  /** The hash an event must carry, recomputed from its encoding (for verification). */
  hashOf(body: Buffer): Buffer;
  /** Checks a payload against its kind's schema; throws naming the first bad field and value. */
  validate(kind: Kind, op: string, payload: unknown): void;
}

function headSchema(json: Record<string, any>): any {
  const ev = json.Event;
  const idx = ev.fields.findIndex((f: any) => f.name === 'payload');
  return { type: 'record', name: 'EventHead', namespace: 'io.vexfs.events.internal', fields: ev.fields.slice(0, idx) };
}

/** Builds the codec for the current contract (or for a history directory, in evolution tests). */
export function createEventCodec(schemas: SchemaSet = loadSchemaSet()): EventCodec {
  const head = avro.Type.forSchema(headSchema(schemas.json));
  const payloadTypes: avro.Type[] = PAYLOAD_FILES.map((n) => avro.Type.forSchema(schemas.json[n]));
  const fp = fingerprint(schemas);

  function hashOf(body: Buffer): Buffer {
    return sha256Once('sha256', body.subarray(0, body.length - 32), 'buffer') as unknown as Buffer;
  }

  const codec: EventCodec = {
    schemas,
    fingerprint: fp,
    encodeInto(ev, buf, pos) {
      let p = head.encode(ev, buf, pos);
      if (p < 0 || p + 1 > buf.length) return -1;
      const branch = BRANCH_OF_KIND[ev.kind];
      if (branch === undefined) throw new VexfsError(ErrorCodes.EVENT_INVALID, `event kind ${JSON.stringify(ev.kind)} is not one of fs, vector, semantic, system`);
      buf[p++] = branch << 1;
      p = payloadTypes[branch]!.encode(ev.payload, buf, p);
      if (p < 0 || p + 32 > buf.length) return -1;
      if (nativeSeal !== null && nativeSeal(buf, pos, p) === p + 32) {
        ev.hash = copyHash(buf, p);
        return p + 32;
      }
      const h = sha256Once('sha256', buf.subarray(pos, p), 'buffer') as unknown as Buffer;
      h.copy(buf, p);
      ev.hash = h;
      return p + 32;
    },
    decode(buf, pos = 0) {
      try {
        const h = head.decode(buf, pos);
        if (h.offset < 0) throw new Error('truncated envelope head');
        const branch = buf[h.offset]! >> 1;
        const kind = KIND_OF_BRANCH[branch];
        if (kind === undefined) throw new Error(`union branch ${branch} is not a known payload`);
        const pl = payloadTypes[branch]!.decode(buf, h.offset + 1);
        if (pl.offset < 0 || pl.offset + 32 > buf.length) throw new Error('truncated payload or hash');
        const event = h.value as VexEvent;
        event.payload = pl.value as never;
        event.hash = Buffer.from(buf.subarray(pl.offset, pl.offset + 32));
        return { event, end: pl.offset + 32 };
      } catch (err) {
        throw new VexfsError(ErrorCodes.AVRO_DECODE, `not a valid VexFS Avro event at byte ${pos}: ${(err as Error).message}`, { context: { pos }, cause: err });
      }
    },
    toSingleObject(body) {
      const out = Buffer.allocUnsafe(SOE_HEADER + body.length);
      out[0] = SOE_MAGIC0; out[1] = SOE_MAGIC1;
      fp.copy(out, 2);
      body.copy(out, SOE_HEADER);
      return out;
    },
    fromSingleObject(msg) {
      if (msg.length < SOE_HEADER || msg[0] !== SOE_MAGIC0 || msg[1] !== SOE_MAGIC1) {
        throw new VexfsError(ErrorCodes.AVRO_DECODE, 'message is not Avro single-object encoded (missing C3 01 header)');
      }
      if (!fp.equals(msg.subarray(2, SOE_HEADER))) {
        throw new VexfsError(ErrorCodes.UNKNOWN_SCHEMA, `unknown writer schema fingerprint ${msg.subarray(2, SOE_HEADER).toString('hex')}; this reader knows ${fp.toString('hex')}`, { context: { fingerprint: msg.subarray(2, SOE_HEADER).toString('hex') } });
      }
      const { event, end } = codec.decode(msg, SOE_HEADER);
      if (end !== msg.length) throw new VexfsError(ErrorCodes.AVRO_DECODE, `${msg.length - end} trailing bytes after the event`);
      return event;
    },
    hashOf,
    validate(kind, op, payload) {
      const t = payloadTypes[BRANCH_OF_KIND[kind]];
      if (!t) throw new VexfsError(ErrorCodes.EVENT_INVALID, `event kind ${JSON.stringify(kind)} is not one of fs, vector, semantic, system`);
      if (t.isValid(payload)) return;
      let first = '';
      t.isValid(payload, {
        errorHook(path: string[], value: unknown, type: avro.Type) {
          if (!first) first = `field ${path.join('.') || '(payload)'} = ${safeJson(value)} is not a valid ${typeName(type)}`;
        },
      });
      throw new VexfsError(ErrorCodes.EVENT_INVALID, `${kind} event '${op}' rejected: ${first}`, { context: { kind, op } });
    },
  };
  return codec;
}

function typeName(t: avro.Type): string {
  const s = t.schema() as unknown;
  return typeof s === 'string' ? s : JSON.stringify(s).slice(0, 80);
}

function safeJson(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  try { return JSON.stringify(v)?.slice(0, 80) ?? String(v); } catch { return String(v); }
}

/** 32 zero bytes: the prevHash of a node's first event. */
export { ZERO_HASH };
