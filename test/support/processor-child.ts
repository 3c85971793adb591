/**
 * A `vexfs process` stand-in for the consumer-group test: runs runProcessor against Kafka
 * with a file-backed test sink (each acknowledged event id appended as one line, fsynced before
 * write() resolves — so "acknowledged" means durable, as a real store's ack does). Stops on
 * SIGTERM/SIGINT through the processor's one shutdown path.
 * Env: BROKERS (comma-separated), GROUP, TOPICS (comma-separated), OUT (file), SESSION_MS.
 */
import { open } from 'node:fs/promises';
import { runProcessor } from '../../src/processors/run-processor.js';
import type { Sink } from '../../src/sinks/sink.js';

const env = (k: string): string => { const v = process.env[k]; if (!v) throw new Error(`${k} is required`); return v; };
const out = await open(env('OUT'), 'a');
const sink: Sink = {
  name: 'file-test-sink',
  async write(batch) {
    let text = '';
    for (const ev of batch.events) if (ev.kind !== 'semantic') text += `${ev.id}\n`;
    if (text) { await out.write(text); await out.sync(); }
  },
  async healthcheck() { return { ok: true }; },
  async close() { await out.close(); },
};
const h = runProcessor({
  source: { kind: 'kafka', brokers: env('BROKERS').split(','), groupId: env('GROUP'), topics: env('TOPICS').split(','), sessionTimeoutMs: Number(process.env.SESSION_MS ?? 6000), deadLetterTopic: `${env('GROUP')}.deadletter` },
  sink,
  node: `child-${process.pid}`,
  processors: { windowMs: 1000, slideMs: 100, windowSize: 1000, historySize: 2000, countSlide: 500, patternWindowMs: 5000 },
});
const stop = (): void => { void h.stop().then(() => sink.close()).then(() => process.exit(0), () => process.exit(1)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
h.done.catch((err) => { console.error('processor failed:', err); process.exit(2); });
console.log(`processor child ${process.pid} running`);
