import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { VexEvent } from '../events/types.js';
import { Classifier, DIM_INDEX, READ } from './internals/classify.js';
import { GroupTable } from './internals/group-table.js';
import { FileTracker } from './internals/file-tracker.js';
import { Pane, SKETCH_ACCURACY } from './internals/pane.js';
import { summarize, type WindowStats } from './internals/window-stats.js';
import type { Dimension } from './options.js';

/** Options of timeWindowStats. */
export interface TimeWindowOptions {
  /** Window length in ms of event time. */
  windowMs: number;
  /** The window slides (and emits) every slideMs; must divide windowMs. */
  slideMs: number;
  /** Dimensions to group by; default ['all', 'op', 'prefix', 'process']. */
  dimensions?: readonly Dimension[];
  /** Path components of the `prefix` dimension; default 2. */
  prefixDepth?: number;
  /** Most groups per dimension; default 10,000. */
  maxGroups?: number;
  /** Shared with the other operators of one pipeline (analyse() does), so events are classified once; default a private one. */
  classifier?: Classifier;
  /** Distinct files tracked per pane and group; default 100,000. */
  maxDistinctFiles?: number;
}

interface Ring {
  group: string;
  panes: (Pane | undefined)[];
  /** Pane index (event time / slide) each ring slot currently holds. */
  stamps: Float64Array;
  lastPane: number;
  firstPane: number;
  /** Distinct files read / modified (groups of the `all` and `process` dimensions only). */
  readFiles: FileTracker | null;
  modifiedFiles: FileTracker | null;
}

/**
 * Sliding windows over event time, per group of each dimension: every `slideMs` of event time
 * it emits the statistics of the last `windowMs` for every group that had events in it (the
 * `all` group always emits, even when empty, so a collapse to zero shows). Windows are built
 * from panes of `slideMs`, so an event costs one pane update per dimension. Late events
 * count in the current pane. When a whole `slideMs` of scheduler time passes without any
 * event, the event clock advances by one slide, so idle streams still close their windows.
 */
export function timeWindowStats(opts: TimeWindowOptions, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<VexEvent, WindowStats> {
  const dims = opts.dimensions ?? ['all', 'op', 'prefix', 'process'];
  const slideUs = opts.slideMs * 1000;
  const W = Math.round(opts.windowMs / opts.slideMs);
  const maxFiles = opts.maxDistinctFiles ?? 100_000;
  return (source) => new Observable<WindowStats>((subscriber) => {
    const classifier = opts.classifier ?? new Classifier(opts.prefixDepth ?? 2, SKETCH_ACCURACY);
    const dimIdx = dims.map((d) => DIM_INDEX[d]);
    const tracking = (dim: Dimension): boolean => dim === 'all' || dim === 'process';
    const table = new GroupTable<Ring>(dims, opts.maxGroups ?? 10_000, (dim, group) => ({
      group, panes: new Array(W), stamps: new Float64Array(W).fill(-1), lastPane: -1, firstPane: -1,
      readFiles: tracking(dim) ? new FileTracker(W, maxFiles) : null, modifiedFiles: tracking(dim) ? new FileTracker(W, maxFiles) : null,
    }));
    const tracks = dims.map(tracking);
    const scratch: Pane[] = [];
    let cur = -1;
    let sawEvent = false;

    const closePane = (c: number): void => {
      const windowEnd = (c + 1) * slideUs;
      for (let d = 0; d < dims.length; d++) {
        const map = table.maps[d]!;
        for (const ring of map.values()) {
          // A group idle for a whole window is forgotten (its window is empty); `all` stays.
          if (ring.lastPane <= c - W && dims[d] !== 'all') { map.delete(ring.group); continue; }
          scratch.length = 0;
          const live = (i: number): boolean => { const st = ring.stamps[i]!; return st >= 0 && st > c - W && st <= c; };
          for (let i = 0; i < W; i++) if (live(i)) scratch.push(ring.panes[i]!);
          const spanPanes = Math.min(W, c - ring.firstPane + 1);
          const reads = ring.readFiles ? ring.readFiles.distinct(c, live) : 0;
          const mods = ring.modifiedFiles ? ring.modifiedFiles.distinct(c, live) : 0;
          subscriber.next(summarize(scratch, 'time', dims[d]!, ring.group, windowEnd - spanPanes * slideUs, windowEnd, spanPanes * slideUs, reads, mods));
        }
      }
    };

    const advanceTo = (target: number): void => {
      // After W empty panes every window is empty: skip the rest of a long gap.
      let emitted = 0;
      while (cur < target) {
        if (emitted <= W) closePane(cur);
        emitted++;
        cur++;
        if (emitted > W + 1) cur = target;
      }
    };

    const tick = scheduler.schedule(function () {
      if (!sawEvent && cur >= 0) advanceTo(cur + 1);
      sawEvent = false;
      this.schedule(undefined, opts.slideMs);
    }, opts.slideMs);

    const sub = source.subscribe({
      next(ev) {
        const facts = classifier.classify(ev);
        const groups = facts.groups;
        sawEvent = true;
        const idx = Math.floor(ev.ts / slideUs);
        if (cur < 0) cur = idx;
        else if (idx > cur) advanceTo(idx);
        const slot = cur % W;
        for (let d = 0; d < dims.length; d++) {
          const g = groups[dimIdx[d]!];
          if (g == null) continue;
          const ring = table.get(d, g);
          let pane = ring.panes[slot];
          if (ring.stamps[slot] !== cur) {
            if (pane === undefined) { pane = new Pane(tracks[d]!); ring.panes[slot] = pane; } else pane.reset();
            ring.stamps[slot] = cur;
            ring.readFiles?.startPane(slot);
            ring.modifiedFiles?.startPane(slot);
          }
          if (ring.firstPane < 0) ring.firstPane = cur;
          ring.lastPane = cur;
          pane!.add(facts);
          if (ring.readFiles !== null && facts.category !== 0) (facts.category & READ ? ring.readFiles : ring.modifiedFiles!).touch(facts.file, cur);
        }
      },
      error(err) { subscriber.error(err); },
      complete() {
        if (cur >= 0) closePane(cur);
        subscriber.complete();
      },
    });
    return () => { sub.unsubscribe(); tick.unsubscribe(); };
  });
}
