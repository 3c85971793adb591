import { DDSketch } from '@datadog/sketches-js';
import type { VexEvent } from '../../events/types.js';
import { MODIFY, READ, RENAME, UNLINK, bytesOf, categoryOf, changesExtension, isError, latencyOf, pathOf } from './classify.js';

/** Relative accuracy of the latency sketches (1 %). */
export const SKETCH_ACCURACY = 0.01;
/** Paths counted per pane for the "top paths" evidence; later new paths are not tracked. */
const MAX_TRACKED_PATHS = 512;

/**
 * What a pane needs to know about one event, classified once per event and reused for every
 * dimension (one scratch object per operator: no allocation per event).
 */
export class EventFacts {
  ts = 0;
  error = false;
  latency = -1;
  category = 0;
  bytes = 0;
  extensionChange = false;
  path = '';
  load(ev: VexEvent): this {
    this.ts = ev.ts;
    this.error = isError(ev);
    this.latency = latencyOf(ev);
    this.category = categoryOf(ev);
    this.bytes = this.category === 0 ? 0 : bytesOf(ev, this.category);
    this.extensionChange = (this.category & RENAME) !== 0 && changesExtension(ev);
    this.path = this.category === 0 ? '' : pathOf(ev);
    return this;
  }
}

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

  add(f: EventFacts): void {
    if (this.count === 0) this.firstTs = f.ts;
    this.count++;
    if (f.ts > this.lastTs) this.lastTs = f.ts;
    if (f.error) this.errors++;
    if (f.latency >= 0) (this.latency ??= new DDSketch({ relativeAccuracy: SKETCH_ACCURACY })).accept(f.latency);
    const cat = f.category;
    if (cat === 0) return;
    this.bytes += f.bytes;
    if (cat & READ) { this.reads++; this.bytesRead += f.bytes; }
    if (cat & MODIFY) this.modifications++;
    if (cat & RENAME) { this.renames++; if (f.extensionChange) this.extensionChanges++; }
    if (cat & UNLINK) this.unlinks++;
    if (this.paths === null) return;
    const set = cat & READ ? this.readFiles! : this.modifiedFiles!;
    if (set.size < this.maxFiles) set.add(f.path);
    const n = this.paths.get(f.path);
    if (n !== undefined) this.paths.set(f.path, n + 1);
    else if (this.paths.size < MAX_TRACKED_PATHS) this.paths.set(f.path, 1);
  }
}
