import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter, DeadLetterPort } from './dead-letter.js';

/**
 * Dead letters in a local file, one JSON object per line: {stage, code, reason, source, at,
 * key, value} with key/value in base64. Each send appends and fsyncs (dead letters are rare).
 */
export function createFileDeadLetters(opts: { path: string }): DeadLetterPort & { readonly path: string } {
  let fh: FileHandle | null = null;
  let chain: Promise<void> = Promise.resolve();
  return {
    name: 'dead-letter-file',
    path: opts.path,
    send(letter: DeadLetter) {
      const line = JSON.stringify({
        stage: letter.stage, code: letter.code, reason: letter.reason, source: letter.source, at: new Date(letter.at).toISOString(),
        key: letter.key?.toString('base64') ?? null, value: letter.value?.toString('base64') ?? null,
      }) + '\n';
      const p = chain.then(async () => {
        if (!fh) { await mkdir(dirname(opts.path), { recursive: true }); fh = await open(opts.path, 'a'); }
        await fh.write(line);
        await fh.sync();
      });
      chain = p.catch(() => {});
      return p;
    },
    async close() {
      await chain;
      await fh?.close();
      fh = null;
    },
  };
}

/** Reads a dead-letter file back (for tests and `vexfs` tooling). */
export async function readFileDeadLetters(path: string): Promise<DeadLetter[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e)));
  return text.split('\n').filter(Boolean).map((l) => {
    const o = JSON.parse(l);
    return { ...o, at: Date.parse(o.at), key: o.key === null ? null : Buffer.from(o.key, 'base64'), value: o.value === null ? null : Buffer.from(o.value, 'base64') };
  });
}
