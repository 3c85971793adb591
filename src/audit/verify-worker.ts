import { parentPort, workerData } from 'node:worker_threads';
import { readContainerRecords } from './container-file.js';
import { verify, type EventBytes, type RecordBatch, type VerifyOptions } from './verify.js';

/**
 * verifyJournal's second thread: verifies the later segments, after re-verifying the tail of the
 * earlier ones (`prefix`, the warm-up) so the chain, the seq and the checkpoint ring continue
 * exactly as in a whole-log pass.
 */
interface Job { prefix: { bytes: Uint8Array; source: string; offset: number }[]; files: { path: string; file: string }[]; opts: Pick<VerifyOptions, 'trustedKeys' | 'anchors' | 'hashing'> }

async function* source(job: Job): AsyncGenerator<EventBytes[] | RecordBatch> {
  yield job.prefix.map((p) => ({ bytes: Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength), source: p.source, offset: p.offset }));
  for (const f of job.files) yield* readContainerRecords(f.path, { batchSize: 4096, source: f.file });
}

const job = workerData as Job;
const trustedKeys = job.opts.trustedKeys?.map((k) => Buffer.from(k));
verify(source(job), { ...job.opts, ...(trustedKeys ? { trustedKeys } : {}), start: 'any', warmup: job.prefix.length })
  .then((report) => parentPort!.postMessage({ report }))
  .catch((err: Error) => parentPort!.postMessage({ error: err.message }));
