import { DDSketch } from '@datadog/sketches-js';
import type { VexEvent } from '../../events/types.js';
import { MODIFY, READ, RENAME, UNLINK, bytesOf, categoryOf, changesExtension, isError, latencyOf, pathOf } from './classify.js';

/** Relative accuracy of the latency sketches (1 %). */
export const SKETCH_ACCURACY = 0.01;
/** Paths counted per pane for the "top paths" evidence; later new paths are not tracked. */
const MAX_TRACKED_PATHS = 512;

/** The running statistics of one group over one pane (a slice of a sliding window). */
export class Pane {
  count = 0;
  errors = 0;
  bytes = 0;
  bytesRead = 0;
  reads = 0;
  modifications = 0;
  renames = 0;
  unlinks = 0;
  extensionChanges = 0;
  firstTs = 0;
  lastTs = 0;
  /** Latency sketch (DDSketch); null until the first latency arrives. */
  latency: DDSketch | null = null;
  readonly readFiles: Set<string> | null;
  readonly modifiedFiles: Set<string> | null;
  readonly paths: Map<string, number> | null;

  constructor(trackFiles: boolean, private readonly maxFiles: number) {
    this.readFiles = trackFiles ? new Set() : null;
    this.modifiedFiles = trackFiles ? new Set() : null;
    this.paths = trackFiles ? new Map() : null;
  }

  reset(): void {
    this.count = this.errors = this.bytes = this.bytesRead = this.reads = this.modifications = 0;
    this.renames = this.unlinks = this.extensionChanges = this.firstTs = this.lastTs = 0;
    this.latency = null;
    this.readFiles?.clear();
    this.modifiedFiles?.clear();
    this.paths?.clear();
  }

  add(ev: VexEvent): void {
    if (this.count === 0) this.firstTs = ev.ts;
    this.count++;
    if (ev.ts > this.lastTs) this.lastTs = ev.ts;
    if (isError(ev)) this.errors++;
    const lat = latencyOf(ev);
    if (lat >= 0) (this.latency ??= new DDSketch({ relativeAccuracy: SKETCH_ACCURACY })).accept(lat);
    const cat = categoryOf(ev);
    if (cat === 0) return;
    const b = bytesOf(ev, cat);
    this.bytes += b;
    if (cat & READ) { this.reads++; this.bytesRead += b; }
    if (cat & MODIFY) this.modifications++;
    if (cat & RENAME) { this.renames++; if (changesExtension(ev)) this.extensionChanges++; }
    if (cat & UNLINK) this.unlinks++;
    if (this.paths === null) return;
    const path = pathOf(ev);
    const set = cat & READ ? this.readFiles! : this.modifiedFiles!;
    if (set.size < this.maxFiles) set.add(path);
    const n = this.paths.get(path);
    if (n !== undefined) this.paths.set(path, n + 1);
    else if (this.paths.size < MAX_TRACKED_PATHS) this.paths.set(path, 1);
  }
}
