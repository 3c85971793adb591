import { Worker } from 'node:worker_threads';

/**
 * Worker threads that recompute event hashes in parallel with the verifier's main loop (which
 * checks seq and prevHash linkage). A batch is copied once into a SharedArrayBuffer; a worker
 * answers with the index of the first record whose last 32 bytes are not the SHA-256 of the rest.
 */
export interface HashPool {
  /** Index of the first record of `records` with a wrong hash, or -1. */
  check(records: readonly Buffer[]): Promise<number>;
  close(): Promise<void>;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const digest = typeof crypto.hash === 'function' ? (b) => crypto.hash('sha256', b, 'buffer') : (b) => crypto.createHash('sha256').update(b).digest();
Promise.resolve().then(() => {
  parentPort.on('message', ({ id, sab, offs }) => {
    const buf = Buffer.from(sab);
    const o = new Int32Array(offs);
    let bad = -1;
    for (let i = 0; i + 1 < o.length; i++) {
      const s = o[i], e = o[i + 1];
      const d = digest(buf.subarray(s, e - 32));
      let ok = true;
      for (let k = 0; k < 32; k++) if (d[k] !== buf[e - 32 + k]) { ok = false; break; }
      if (!ok) { bad = i; break; }
    }
    parentPort.postMessage({ id, bad });
  });
  parentPort.postMessage({ ready: true });
});
`;

export async function createHashPool(size: number): Promise<HashPool> {
  const workers: Worker[] = [];
  const waiting = new Map<number, (bad: number) => void>();
  let nextId = 0;
  let rr = 0;
  await Promise.all(Array.from({ length: size }, () => new Promise<void>((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true });
    w.unref();
    w.on('message', (m: { ready?: boolean; id?: number; bad?: number }) => {
      if (m.ready) { resolve(); return; }
      const done = waiting.get(m.id!);
      waiting.delete(m.id!);
      done?.(m.bad!);
    });
    w.on('error', reject);
    workers.push(w);
  })));
  return {
    check(records) {
      let total = 0;
      for (const r of records) total += r.length;
      const sab = new SharedArrayBuffer(total);
      const offs = new SharedArrayBuffer(4 * (records.length + 1));
      const buf = Buffer.from(sab);
      const o = new Int32Array(offs);
      let p = 0;
      for (let i = 0; i < records.length; i++) { o[i] = p; p += records[i]!.copy(buf, p); }
      o[records.length] = p;
      const id = nextId++;
      const w = workers[rr++ % workers.length]!;
      return new Promise<number>((resolve) => { waiting.set(id, resolve); w.postMessage({ id, sab, offs }); });
    },
    async close() { await Promise.all(workers.map((w) => w.terminate())); },
  };
}
