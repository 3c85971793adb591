import { createHash, sign, verify as verifySig, createPublicKey } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ErrorCodes, VexfsError } from '../errors.js';
import { createEventCodec, type EventCodec } from '../events/codec.js';
import type { SystemPayload } from '../events/types.js';
import type { CheckpointRecord } from './checkpointer.js';
import { createContainerWriter, readContainerRecords } from './container-file.js';
import { newHead, scanHead } from './event-bytes.js';
import type { SigningKey } from './signing-key.js';
import { locationOf, verify, type EventBytes, type VerifyOptions, type VerifyReport } from "./verify.js";

/** What part of a log to export; bounds are inclusive and combine (all must hold). */
export interface ExportRange {
  fromSeq?: number;
  toSeq?: number;
  /** microseconds since the epoch */
  fromTs?: number;
  toTs?: number;
  /** only these nodes; default all */
  nodes?: string[];
}

/** Options of `exportEvents`. */
export interface ExportOptions extends ExportRange {
  /** Output Avro container file; must not exist. */
  file: string;
  /** Manifest path; default `<file>.manifest.json`. */
  manifest?: string;
  /** Keep exporting a node past the range's end until its next checkpoint, so the export ends signed; default true. */
  extendToCheckpoint?: boolean;
  /** Signs the manifest with the node's checkpoint key when given. */
  key?: SigningKey;
  codec?: EventCodec;
}

/** The manifest written beside an export: what an auditor checks the file against, offline. */
export interface ExportManifest {
  format: 'vexfs-audit-export/1';
  file: string;
  sha256: string;
  bytes: number;
  events: number;
  createdAt: string;
  schemaFingerprint: string;
  range: ExportRange;
  nodes: Record<string, { firstSeq: number; lastSeq: number; count: number; firstPrevHash: string; lastHash: string; firstTs: number; lastTs: number }>;
  checkpoints: CheckpointRecord[];
  /** Ed25519 signature (hex) over the manifest without this field, by `signedBy` */
  signature?: string;
  signedBy?: string;
}

/** Default manifest path of an export file. */
export function manifestPathOf(file: string): string {
  return join(dirname(file), `${basename(file)}.manifest.json`);
}

/**
 * Exports the events of `source` (journal or Kafka reader batches) within a range into an Avro
 * container file plus a JSON manifest (counts, first/last seq and hashes per node, the file's
 * SHA-256, the checkpoint signatures it contains). Returns the manifest.
 */
export async function exportEvents(source: AsyncIterable<ReadonlyArray<EventBytes>>, opts: ExportOptions): Promise<ExportManifest> {
  const codec = opts.codec ?? createEventCodec();
  const extend = opts.extendToCheckpoint ?? true;
  const nodesFilter = opts.nodes ? new Set(opts.nodes) : null;
  const writer = await createContainerWriter(opts.file, codec);
  const h = newHead();
  const nodes: ExportManifest['nodes'] = {};
  // nodes whose range (and trailing checkpoint) is complete
  const closed = new Set<string>();
  const checkpoints: CheckpointRecord[] = [];
  let events = 0;
  let result: { sha256: string; bytes: number } | null = null;
  try {
    outer: for await (const batch of source) {
      for (const item of batch) {
        const b = item.bytes;
        if (item.error || !scanHead(b, h)) throw new VexfsError(ErrorCodes.AUDIT_FAILED, `cannot export: record at ${locationOf(item) ?? `position ${events}`} is not a VexFS event${item.error ? ` (${item.error.message})` : ''}; run verify first`);
        const node = b.toString('utf8', h.nodeStart, h.nodeEnd);
        if ((nodesFilter && !nodesFilter.has(node)) || closed.has(node)) continue;
        if ((opts.fromSeq !== undefined && h.seq < opts.fromSeq) || (opts.fromTs !== undefined && h.ts < opts.fromTs)) continue;
        const past = (opts.toSeq !== undefined && h.seq > opts.toSeq) || (opts.toTs !== undefined && h.ts > opts.toTs);
        const isCheckpoint = h.kind === 3 && b.toString('latin1', h.opStart, h.opEnd) === 'checkpoint';
        if (past && (!extend || !nodes[node])) {
          closed.add(node);
          // logs are read in seq order per node: once every node seen is past the range, stop reading
          if (allClosed(nodes, closed, nodesFilter)) break outer;
          continue;
        }
        await writer.append(b);
        events++;
        const n = nodes[node] ??= { firstSeq: h.seq, lastSeq: h.seq, count: 0, firstPrevHash: b.toString('hex', h.prevHashAt, h.prevHashAt + 32), lastHash: '', firstTs: h.ts, lastTs: h.ts };
        n.lastSeq = h.seq; n.count++; n.lastHash = b.toString('hex', b.length - 32); n.lastTs = h.ts;
        if (isCheckpoint) {
          const ev = codec.decode(b).event;
          const p = ev.payload as SystemPayload;
          if (p.type === 'checkpoint' && p.checkpointHash && p.signature && p.publicKey) {
            checkpoints.push({ node, eventSeq: ev.seq, checkpointSeq: p.checkpointSeq, checkpointHash: p.checkpointHash.toString('hex'), signature: p.signature.toString('hex'), publicKey: p.publicKey.toString('hex'), ts: ev.ts });
          }
          if (past) { closed.add(node); if (allClosed(nodes, closed, nodesFilter)) break outer; }
        }
      }
    }
  } finally {
    result = await writer.close();
  }
  const manifest: ExportManifest = {
    format: 'vexfs-audit-export/1', file: basename(opts.file), sha256: result.sha256, bytes: result.bytes, events, createdAt: new Date().toISOString(),
    schemaFingerprint: codec.fingerprint.toString('hex'), range: rangeOf(opts), nodes, checkpoints,
  };
  if (opts.key) {
    manifest.signature = sign(null, manifestMessage(manifest), opts.key.privateKey).toString('hex');
    manifest.signedBy = opts.key.publicKey.toString('hex');
  }
  await writeFile(opts.manifest ?? manifestPathOf(opts.file), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function allClosed(nodes: ExportManifest['nodes'], closed: Set<string>, filter: Set<string> | null): boolean {
  const names = filter ? [...filter] : Object.keys(nodes);
  return names.length > 0 && names.every((n) => closed.has(n));
}

function rangeOf(r: ExportRange): ExportRange {
  const out: ExportRange = {};
  for (const k of ['fromSeq', 'toSeq', 'fromTs', 'toTs', 'nodes'] as const) if (r[k] !== undefined) (out as Record<string, unknown>)[k] = r[k];
  return out;
}

function manifestMessage(m: ExportManifest): Buffer {
  const { signature: _s, signedBy: _b, ...rest } = m;
  return Buffer.from(`vexfs-export-manifest/v1|${JSON.stringify(rest)}`, 'utf8');
}

/** Options of `verifyExport`. */
export interface VerifyExportOptions extends Pick<VerifyOptions, 'trustedKeys' | 'onProgress' | 'codec' | 'workers'> {
  /** Manifest path; default `<file>.manifest.json`. */
  manifest?: string;
}

/**
 * Verifies an exported file offline against its manifest: the event stream (chain from the
 * manifest's first prevHash, no gap, hashes, checkpoint signatures), then the manifest's counts,
 * last hashes, checkpoint list, file SHA-256 and (when present) its signature.
 */
export async function verifyExport(file: string, opts: VerifyExportOptions = {}): Promise<VerifyReport & { manifest: ExportManifest }> {
  const manifestPath = opts.manifest ?? manifestPathOf(file);
  let manifest: ExportManifest;
  try { manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ExportManifest; } catch (err) {
    throw new VexfsError(ErrorCodes.AUDIT_FAILED, `cannot read the export manifest ${manifestPath}: ${(err as Error).message}`, { context: { file: manifestPath }, cause: err });
  }
  if (manifest.format !== 'vexfs-audit-export/1') throw new VexfsError(ErrorCodes.AUDIT_FAILED, `${manifestPath} is not a VexFS export manifest (format ${JSON.stringify(manifest.format)})`);
  const start = Object.fromEntries(Object.entries(manifest.nodes).map(([n, v]) => [n, { seq: v.firstSeq, prevHash: v.firstPrevHash }]));
  const anchors = Object.entries(manifest.nodes).map(([node, v]) => ({ node, seq: v.lastSeq, hash: v.lastHash }));
  const report = await verify(readContainerRecords(file), { ...opts, start, anchors });
  const out = { ...report, manifest };
  if (!report.ok) return out;
  const mismatch = (message: string) => ({ ...out, ok: false, finding: { reason: 'manifest_mismatch' as const, position: report.events, node: '', seq: 0, message } });
  if (report.events !== manifest.events) return mismatch(`file holds ${report.events} events; manifest says ${manifest.events}`);
  for (const [node, v] of Object.entries(manifest.nodes)) {
    const s = report.nodes[node];
    if (!s || s.events !== v.count || s.lastSeq !== v.lastSeq || s.lastHash !== v.lastHash) return mismatch(`node ${node}: file has ${s?.events ?? 0} events up to seq ${s?.lastSeq ?? 0}; manifest says ${v.count} up to seq ${v.lastSeq}`);
  }
  if (Object.keys(report.nodes).length !== Object.keys(manifest.nodes).length) return mismatch(`file holds nodes ${Object.keys(report.nodes).join(',')}; manifest lists ${Object.keys(manifest.nodes).join(',')}`);
  if (report.checkpoints !== manifest.checkpoints.length) return mismatch(`file holds ${report.checkpoints} valid checkpoints; manifest lists ${manifest.checkpoints.length}`);
  const { sha256, bytes } = await fileDigest(file);
  if (bytes !== manifest.bytes || sha256 !== manifest.sha256) return mismatch(`file SHA-256 ${sha256.slice(0, 16)}… (${bytes} bytes) differs from the manifest's ${manifest.sha256.slice(0, 16)}… (${manifest.bytes} bytes)`);
  if (manifest.signature) {
    const keyHex = manifest.signedBy ?? '';
    const trusted = opts.trustedKeys?.map((k) => k.toString('hex'));
    if (trusted && !trusted.includes(keyHex)) return { ...out, ok: false, finding: { reason: 'untrusted_key', position: report.events, node: '', seq: 0, message: `manifest signed by untrusted key ${keyHex.slice(0, 16)}…` } };
    const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(keyHex, 'hex')]), format: 'der', type: 'spki' });
    if (!verifySig(null, manifestMessage(manifest), key, Buffer.from(manifest.signature, 'hex'))) return { ...out, ok: false, finding: { reason: 'bad_signature', position: report.events, node: '', seq: 0, message: 'the manifest signature does not verify: the manifest was edited' } };
  }
  return out;
}

async function fileDigest(file: string): Promise<{ sha256: string; bytes: number }> {
  const sha = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) { sha.update(chunk as Buffer); bytes += (chunk as Buffer).length; }
  return { sha256: sha.digest('hex'), bytes };
}
