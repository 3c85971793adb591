import { DDSketch } from '@datadog/sketches-js';
import { MODIFY, NO_KEY, READ, RENAME, UNLINK, type EventFacts } from './classify.js';

/** Relative accuracy of the latency sketches (1 %). */
export const SKETCH_ACCURACY = 0.01;
/** Paths counted per pane for the "top paths" evidence; later new paths are not counted. */
const MAX_TRACKED_PATHS = 512;

/**
 * Adds one latency whose index key was computed beforehand (the Classifier maps each event's
 * latency once, not once per pane). Equivalent to `sketch.accept(value)` for value ≥ 0 with
 * `key = sketch.mapping.key(value)` (or NO_KEY for 0): a unit test holds it to that.
 */
export function acceptKeyed(sketch: DDSketch, value: number, key: number): void {
  if (key !== NO_KEY) sketch.store.add(key, 1); else sketch.zeroCount += 1;
  sketch.count += 1;
  sketch.sum += value;
  if (value < sketch.min) sketch.min = value;
  if (value > sketch.max) sketch.max = value;
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
  /** Touches per path (tracking panes only) for the "top paths" evidence; at most MAX_TRACKED_PATHS paths. */
  readonly paths: Map<string, number> | null;

  constructor(trackPaths: boolean) {
    this.paths = trackPaths ? new Map() : null;
  }

  reset(): void {
    this.count = this.errors = this.bytes = this.bytesRead = this.reads = this.modifications = 0;
    this.renames = this.unlinks = this.extensionChanges = this.firstTs = this.lastTs = 0;
    this.latency = null;
    this.paths?.clear();
  }

  add(f: EventFacts): void {
    if (this.count === 0) this.firstTs = f.ts;
    this.count++;
    if (f.ts > this.lastTs) this.lastTs = f.ts;
    if (f.error) this.errors++;
    if (f.latency >= 0) acceptKeyed(this.latency ??= new DDSketch({ relativeAccuracy: SKETCH_ACCURACY }), f.latency, f.latencyKey);
    const cat = f.category;
    if (cat === 0) return;
    this.bytes += f.bytes;
    if (cat & READ) { this.reads++; this.bytesRead += f.bytes; }
    if (cat & MODIFY) this.modifications++;
    if (cat & RENAME) { this.renames++; if (f.extensionChange) this.extensionChanges++; }
    if (cat & UNLINK) this.unlinks++;
    const paths = this.paths;
    if (paths === null) return;
    const n = paths.get(f.file);
    if (n !== undefined) paths.set(f.file, n + 1);
    else if (paths.size < MAX_TRACKED_PATHS) paths.set(f.file, 1);
  }
}
