import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The file catalog's state hash (path, type, size, symlink target) computed from a real directory
 * tree, to compare a catalog rebuilt from events with the files as they are. `skip` names entries
 * of the root that are not user files (default: VexFS's sidecar `.vexfs-meta`).
 */
export function directoryStateHash(root: string, opts: { skip?: string[] } = {}): { hash: string; entries: number } {
  const skip = new Set(opts.skip ?? ['.vexfs-meta']);
  const lines: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs)) {
      if (rel === '' && skip.has(name)) continue;
      const a = join(abs, name);
      const r = `${rel}/${name}`;
      const st = lstatSync(a);
      if (st.isDirectory()) { lines.push(`${r}\tdir\t0\t`); walk(a, r); }
      else if (st.isSymbolicLink()) { const t = readlinkSync(a); lines.push(`${r}\tsymlink\t${Buffer.byteLength(t)}\t${t}`); }
      else lines.push(`${r}\tfile\t${st.size}\t`);
    }
  };
  walk(root, '');
  lines.sort((x, y) => (x.split('\t')[0]! < y.split('\t')[0]! ? -1 : 1));
  const h = createHash('sha256');
  for (const l of lines) h.update(l + '\n');
  return { hash: h.digest('hex'), entries: lines.length };
}
