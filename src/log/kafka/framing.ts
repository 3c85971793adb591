import { ErrorCodes, VexfsError } from '../../errors.js';
import type { EventCodec } from '../../events/codec.js';
import avro from 'avsc';
import { canonicalForm, inlinedEventSchema } from '../../events/schema.js';
import type { VexEvent } from '../../events/types.js';

/**
 * Kafka message values: Avro single-object encoding (C3 01 + 8-byte CRC-64-AVRO fingerprint +
 * body) by default, or Confluent framing (0x00 + 4-byte big-endian schema id + body) when a
 * schema registry is configured.
 */
export interface ValueFraming {
  readonly kind: 'single-object' | 'confluent';
  /** Frames one encoded event body for `topic` (a new buffer: kafkajs keeps it until acked). */
  encode(topic: string, body: Buffer): Buffer;
  /** Decodes a framed value of either kind. */
  decode(value: Buffer): VexEvent;
}

export function singleObjectFraming(codec: EventCodec): ValueFraming {
  return { kind: 'single-object', encode: (_t, body) => codec.toSingleObject(body), decode: (v) => decodeAny(codec, v, new Set()) };
}

/**
 * Registers the envelope schema under `<topic>-value` for each topic (Confluent REST API:
 * POST /subjects/{subject}/versions) and frames values with the returned ids.
 */
export async function confluentFraming(codec: EventCodec, registryUrl: string, topics: string[], fetchImpl: typeof fetch = fetch): Promise<ValueFraming> {
  const schema = JSON.stringify(inlinedEventSchema(codec.schemas));
  const ids = new Map<string, number>();
  for (const topic of topics) {
    const url = `${registryUrl}/subjects/${encodeURIComponent(`${topic}-value`)}/versions`;
    let res: Response;
    try {
      res = await fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema }), signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new VexfsError(ErrorCodes.BROKER_UNAVAILABLE, `schema registry ${registryUrl} unreachable: ${(err as Error).message}`, { retriable: true, context: { url }, cause: err });
    }
    const text = await res.text();
    const id = res.ok ? (JSON.parse(text) as { id?: unknown }).id : undefined;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new VexfsError(ErrorCodes.UNKNOWN_SCHEMA, `schema registry ${url} refused the Event schema (HTTP ${res.status}): ${text.slice(0, 200)}`, { retriable: res.status >= 500, context: { url, status: res.status } });
    }
    ids.set(topic, id);
  }
  const known = new Set(ids.values());
  return {
    kind: 'confluent',
    encode(topic, body) {
      const id = ids.get(topic);
      if (id === undefined) throw new VexfsError(ErrorCodes.UNKNOWN_SCHEMA, `no schema id registered for topic ${topic}`);
      const out = Buffer.allocUnsafe(5 + body.length);
      out[0] = 0;
      out.writeUInt32BE(id, 1);
      body.copy(out, 5);
      return out;
    },
    decode: (v) => decodeAny(codec, v, known),
  };
}

/** Decodes a value in single-object encoding, or in Confluent framing with one of `ids`. */
export function decodeAny(codec: EventCodec, value: Buffer, ids: Set<number>): VexEvent {
  if (value.length >= 2 && value[0] === 0xc3 && value[1] === 0x01) return codec.fromSingleObject(value);
  if (value.length >= 5 && value[0] === 0) {
    const id = value.readUInt32BE(1);
    if (!ids.has(id)) throw new VexfsError(ErrorCodes.UNKNOWN_SCHEMA, `Confluent schema id ${id} is not one this reader registered (${[...ids].join(', ') || 'none'})`, { context: { schemaId: id } });
    const { event, end } = codec.decode(value, 5);
    if (end !== value.length) throw new VexfsError(ErrorCodes.AVRO_DECODE, `${value.length - end} trailing bytes after the event`);
    return event;
  }
  throw new VexfsError(ErrorCodes.AVRO_DECODE, `value is neither Avro single-object encoded (C3 01) nor Confluent framed (00 + id); first bytes ${value.subarray(0, 4).toString('hex')}`);
}

/**
 * Asks a Confluent schema registry for schema `id` (GET /schemas/ids/{id}) and tells whether it
 * is this codec's schema (same Parsing Canonical Form). Lets a reader accept values framed by
 * another writer that registered the same contract.
 */
export async function registryHasOurSchema(codec: EventCodec, registryUrl: string, id: number, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  const url = `${registryUrl.replace(/\/+$/, '')}/schemas/ids/${id}`;
  let res: Response;
  try {
    res = await fetchImpl(url, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new VexfsError(ErrorCodes.BROKER_UNAVAILABLE, `schema registry ${registryUrl} unreachable: ${(err as Error).message}`, { retriable: true, context: { url }, cause: err });
  }
  if (res.status === 404) return false;
  const text = await res.text();
  if (!res.ok) throw new VexfsError(ErrorCodes.BROKER_UNAVAILABLE, `schema registry ${url} answered HTTP ${res.status}: ${text.slice(0, 200)}`, { retriable: res.status >= 500, context: { url, status: res.status } });
  try {
    const theirs = JSON.stringify(avro.Type.forSchema(JSON.parse((JSON.parse(text) as { schema: string }).schema), { wrapUnions: 'always' }).schema());
    return theirs === canonicalForm(codec.schemas);
  } catch {
    return false;
  }
}
