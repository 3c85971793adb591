/**
 * Crash-test child: appends events to the journal in `argv[2]` as fast as it can and reports the
 * highest acknowledged seq (append returned) on stdout, one number per line, after every burst.
 * The parent SIGKILLs it at random points.
 */
import { createEventCodec } from '../../src/events/codec.js';
import { createEmitter } from '../../src/events/emitter.js';
import { fsPayload, vectorPayload } from '../../src/events/payloads.js';
import { openJournal } from '../../src/log/journal/index.js';

const dir = process.argv[2]!;
const codec = createEventCodec();
const journal = await openJournal({ dir, segmentBytes: 256 * 1024, log: { info() {}, warn: (m) => process.stderr.write(m + '\n') } }, codec);
const em = createEmitter({ node: 'crash-node', log: journal, codec });
process.stdout.write(`start ${em.seq}\n`);
let n = 0;
function burst(): void {
  const size = 1 + Math.floor(Math.random() * 300);
  for (let i = 0; i < size; i++, n++) {
    if (n % 17 === 0) {
      em.emit({ kind: 'vector', op: 'upsert', key: 'c', payload: vectorPayload({ collection: 'c', ids: [`v${n}`], dim: 8, vectors: [Buffer.alloc(32 * (1 + (n % 5)), n & 0xff)] }) });
    } else {
      em.emit({ kind: 'fs', op: 'write', key: `/p/${n % 31}`, payload: fsPayload({ path: `/p/${n % 31}/${'x'.repeat(n % 97)}`, size: n, offset: n * 512 }) });
    }
  }
  process.stdout.write(`${em.seq}\n`);
  setImmediate(burst);
}
burst();
