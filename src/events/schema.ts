import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { crc64Avro } from './crc64.js';
import type { Kind } from './types.js';

/** Directory holding the .avsc contract (schemas/avro at the repository root). */
export const AVRO_SCHEMA_DIR = fileURLToPath(new URL('../../schemas/avro/', import.meta.url));

/** Payload schema files in the order the envelope's union lists them; parse these before Event.avsc. */
export const PAYLOAD_FILES = ['FsPayload', 'VectorPayload', 'SemanticPayload', 'SystemPayload'] as const;
/** Union branch index of each kind in Event.payload. */
export const BRANCH_OF_KIND: Record<Kind, number> = { fs: 0, vector: 1, semantic: 2, system: 3 };
export const KIND_OF_BRANCH: Kind[] = ['fs', 'vector', 'semantic', 'system'];

export interface SchemaSet {
  /** Schema JSON by record name (FsPayload, ..., Event). */
  json: Record<string, any>;
  /** The full envelope type (the payload union wrapped, as avsc requires for a union of records; nullable fields unwrapped). */
  event: avro.Type;
}

/** Reads the .avsc files of a directory (the current contract or a history version) into avsc types. */
export function loadSchemaSet(dir: string = AVRO_SCHEMA_DIR): SchemaSet {
  const json: Record<string, any> = {};
  const registry: Record<string, avro.Type> = {};
  for (const name of [...PAYLOAD_FILES, 'Event']) {
    json[name] = JSON.parse(readFileSync(`${dir}/${name}.avsc`, 'utf8'));
    avro.Type.forSchema(json[name], { registry, wrapUnions: 'auto' });
  }
  return { json, event: registry['io.vexfs.events.Event']! };
}

/** The envelope schema with every named type inlined: one self-contained JSON schema. */
export function inlinedEventSchema(set: SchemaSet): any {
  const ev = structuredClone(set.json.Event);
  const payloadField = ev.fields.find((f: any) => f.name === 'payload');
  payloadField.type = PAYLOAD_FILES.map((n) => set.json[n]);
  return ev;
}

/** Parsing Canonical Form of the envelope, the input to its fingerprint. */
export function canonicalForm(set: SchemaSet): string {
  // avsc's schema() with no options is the Parsing Canonical Form (no docs, defaults or aliases).
  return JSON.stringify(avro.Type.forSchema(inlinedEventSchema(set), { wrapUnions: 'always' }).schema());
}

/** CRC-64-AVRO fingerprint of a schema's Parsing Canonical Form, as 8 little-endian bytes. */
export function fingerprint(set: SchemaSet): Buffer {
  const fp = crc64Avro(Buffer.from(canonicalForm(set), 'utf8'));
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp);
  return out;
}
