import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { ErrorCodes, VexfsError } from '../../errors.js';
import { listSegments, scanSegment } from './segment.js';

/** What verifyJournal / repairJournal found and did. */
export interface RepairReport {
  /** Segments scanned and events found in the good prefix of the journal. */
  segments: number;
  events: number;
  /** Last seq of the good prefix (0 when empty). */
  lastGoodSeq: number;
  /** The first damage found, or null when the journal is whole. */
  problem: { file: string; offset: number; kind: 'torn' | 'corrupt'; reason: string } | null;
  /** Files renamed to *.quarantined by a repair (kept for forensics, never read again). */
  quarantined: string[];
  /** True when repairJournal changed files. */
  changed: boolean;
}

/** Scans every segment of a journal directory (read-only) and reports the first damage. */
export function verifyJournal(dir: string): RepairReport {
  const files = listSegments(dir);
  const report: RepairReport = { segments: files.length, events: 0, lastGoodSeq: 0, problem: null, quarantined: [], changed: false };
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const scan = scanSegment(f.path, f.firstSeq);
    report.events += scan.count;
    if (scan.count > 0) report.lastGoodSeq = scan.lastSeq;
    const next = files[i + 1];
    if (!scan.problem && next && next.firstSeq !== scan.lastSeq + 1) {
      report.problem = { file: next.path, offset: 0, kind: 'corrupt', reason: `segment starts at seq ${next.firstSeq} but the previous one ends at ${scan.lastSeq}` };
      return report;
    }
    if (scan.problem) {
      // damage in a sealed segment is corruption even when nothing follows it in that file
      const kind = next ? 'corrupt' : scan.problem.kind;
      report.problem = { file: f.path, offset: scan.problem.offset, kind, reason: scan.problem.reason };
      return report;
    }
  }
  return report;
}

/**
 * Repairs a damaged journal (the CLI exposes it as `vexfs journal repair`). Without
 * `truncateAt` it only verifies and reports the first damage (a dry run). With
 * `truncateAt: {file, offset}` (as reported) it cuts that segment at the offset, saving the cut
 * bytes as `<file>.from-<offset>.quarantined`, and renames every later segment to
 * `*.quarantined`. The journal then ends at the last good event; the writer continues from
 * there. Events after the cut are lost from this journal: if they were shipped, recover them
 * from Kafka. Never run it while a VexFS process has the journal open.
 */
export function repairJournal(dir: string, opts: { truncateAt?: { file: string; offset: number } } = {}): RepairReport {
  const report = verifyJournal(dir);
  const cut = opts.truncateAt;
  if (!cut) return report;
  const files = listSegments(dir);
  const idx = files.findIndex((f) => f.file === basename(cut.file));
  if (idx < 0) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `repair: ${cut.file} is not a segment of the journal in ${dir}`);
  const target = files[idx]!;
  const size = statSync(target.path).size;
  if (!Number.isInteger(cut.offset) || cut.offset < 0 || cut.offset > size) {
    throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `repair: offset ${cut.offset} is outside ${target.path} (0..${size})`);
  }
  for (const later of files.slice(idx + 1)) {
    renameSync(later.path, `${later.path}.quarantined`);
    report.quarantined.push(`${later.path}.quarantined`);
  }
  if (cut.offset < size) {
    const saved = `${target.path}.from-${cut.offset}.quarantined`;
    copyRange(target.path, saved, cut.offset, size);
    report.quarantined.push(saved);
    const fd = openSync(target.path, 'r+');
    try { ftruncateSync(fd, cut.offset); fsyncSync(fd); } finally { closeSync(fd); }
  }
  report.changed = true;
  const dfd = openSync(dir, 'r');
  try { fsyncSync(dfd); } finally { closeSync(dfd); }
  const after = verifyJournal(dir);
  return { ...after, quarantined: report.quarantined, changed: true };
}

function copyRange(from: string, to: string, start: number, end: number): void {
  const src = openSync(from, 'r');
  const dst = openSync(to, 'w');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let p = start; p < end;) {
      const n = Math.min(buf.length, end - p);
      const got = readSyncRange(src, buf, n, p);
      if (got <= 0) break;
      writeSyncAll(dst, buf, got);
      p += got;
    }
    fsyncSync(dst);
  } finally { closeSync(src); closeSync(dst); }
}
function readSyncRange(fd: number, buf: Buffer, n: number, pos: number): number { return readSync(fd, buf, 0, n, pos); }
function writeSyncAll(fd: number, buf: Buffer, n: number): void { let o = 0; while (o < n) o += writeSync(fd, buf, o, n - o); }
