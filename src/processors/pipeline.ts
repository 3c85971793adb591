import { Subject, type SchedulerLike, type Subscription } from 'rxjs';
import { KINDS, type VexEvent } from '../events/types.js';
import { metrics } from '../metrics/registry.js';
import { analyse, type AnalyseSelection } from './analyse.js';
import type { Bridge } from './bridge.js';
import type { ProcessorOptions } from './options.js';
import { SourceEntry } from './source-entry.js';

/**
 * Glue between a source and the bridge: pushes each source event into the bridge (its own
 * lane, when forwarding) and into analyse(), whose results — produced synchronously while the
 * event passes — are queued against the same source entry, so a source range is committed only
 * after its events AND the results they triggered were acknowledged. The source awaits room in
 * the bridge before each event: that await is the backpressure.
 */
export class Pipeline {
  private readonly input = new Subject<VexEvent>();
  private entry = new SourceEntry('journal', 'none', 0, 0);
  private offset = 0;
  private readonly sub: Subscription;
  private error: unknown = null;

  constructor(opts: Readonly<ProcessorOptions>, private readonly bridge: Bridge, node: string, scheduler: SchedulerLike | undefined, private readonly forwardEvents: boolean, analysing = true, select: AnalyseSelection = {}) {
    // Without analysis (the store tier, `vexfs sink`) events only pass through to the bridge.
    const results = analysing ? this.input.pipe(analyse(opts, node, scheduler, select)) : new Subject<never>();
    this.sub = results.subscribe({
      next: (r) => this.bridge.push(r.priority, r, this.entry, this.offset),
      error: (err) => { this.error = err; },
    });
  }

  /** Pushes `events` (source offsets in `offsets`) through; resolves when all were accepted (not yet acknowledged). */
  async feed(entry: SourceEntry, events: readonly VexEvent[], offsets: ArrayLike<number>): Promise<void> {
    for (let i = 0; i < events.length; i++) {
      if (this.error) throw this.error;
      if (!this.bridge.hasRoom()) await this.bridge.waitForRoom();
      const ev = events[i]!;
      this.entry = entry;
      this.offset = offsets[i]!;
      if (this.forwardEvents) this.bridge.push(ev.priority, ev, entry, this.offset);
      this.input.next(ev);
    }
    metrics.processedEvents.inc(events.length);
  }

  /** Ends the analysis: open windows are emitted as partial results. */
  complete(): void { this.input.complete(); this.sub.unsubscribe(); }

  /** Abandons the analysis (after a fatal error): stops its timers without emitting. */
  dispose(): void { this.sub.unsubscribe(); }
}

/** Why an event cannot go through the pipeline, or null when it can. */
export function unprocessable(ev: VexEvent): string | null {
  if (!KINDS.includes(ev.kind)) return `unknown event kind ${JSON.stringify(ev.kind)}`;
  if (ev.payload === null || typeof ev.payload !== 'object') return 'event has no payload';
  if (typeof ev.ts !== 'number' || !Number.isFinite(ev.ts)) return `event ts ${String(ev.ts)} is not a number`;
  return null;
}
