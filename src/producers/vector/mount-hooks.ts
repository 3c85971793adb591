import path from 'node:path';
import { createEmitter, type Emitter } from '../../events/emitter.js';
import type { EventLog } from '../../log/event-log.js';
import { openJournal } from '../../log/journal/index.js';
import type { SemanticHooks } from '../fuse/semantic-hooks.js';
import type { VectorServiceOptions } from './options.js';
import { createVectorSemanticHooks } from './vector-semantic-hooks.js';
import { createVectorService, type VectorService } from './vector-service.js';

/** What runMount hands the hooks factory; `emitter` is the mount's own (required to share its journal). */
export interface HooksContext { log: EventLog; node: string; emitter?: Emitter }

/** The hooks plus the service behind them and how to close both. */
export interface MountVectorHooks extends SemanticHooks {
  readonly service: VectorService;
  /** Snapshots the service and closes the vector journal when one was opened. */
  close(): Promise<void>;
}

/**
 * A `hooks` factory for runMount (`runMount({ ..., hooks: createVectorHooksFactory({ dataDir }) })`):
 * starts the vector service when the mount's journal is open and returns its SemanticHooks.
 * With `ctx.emitter` (the mount's emitter) vector events go to the mount's journal and are
 * replayed from it. Without one, a second emitter on the same log would fork the seq/hash
 * chain, so the vector events get their own journal `<dataDir>/vector-journal` under node
 * `<node>.vector` instead.
 */
export function createVectorHooksFactory(opts: Omit<VectorServiceOptions, 'emitter' | 'log'>): (ctx: HooksContext) => Promise<MountVectorHooks> {
  return async (ctx) => {
    let log = ctx.log;
    let emitter = ctx.emitter;
    let own: EventLog | null = null;
    if (emitter === undefined) {
      own = await openJournal({ dir: path.join(opts.dataDir, 'vector-journal') });
      log = own;
      emitter = createEmitter({ node: `${ctx.node}.vector`, log: own });
    }
    const service = await createVectorService({ ...opts, emitter, log });
    const hooks = createVectorSemanticHooks(service);
    let closing: Promise<void> | null = null;
    return {
      ...hooks,
      service,
      close() {
        closing ??= (async () => { await service.close(); if (own) await own.close(); })();
        return closing;
      },
    };
  };
}
