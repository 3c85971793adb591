import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Extended attributes kept in a sidecar directory of the backing tree
 * (`<backing>/.vexfs-meta/xattr/<inode>`), because Node has no xattr API and the native
 * npm packages for it do not build here without extra toolchains. One small JSON file per
 * inode (name → base64 value), written atomically (temp file + rename); a read cache keeps
 * lookups in memory, and the set of inodes that have a file is listed once at start, so a lookup
 * on an inode without attributes (the kernel's `security.capability` check before every write to
 * a new file) costs no file-system call. The store belongs to the one mount of its backing tree. Keyed by inode, so xattrs follow renames and are shared by hard links,
 * as on a native filesystem. The cost: a file deleted or replaced behind the mount's back
 * leaves its entry until the inode number is reused (the mount drops entries itself when the
 * last link goes).
 */
export interface XattrStore {
  get(ino: number, name: string): Buffer | undefined;
  /** Names set on the inode, in insertion order. */
  list(ino: number): string[];
  set(ino: number, name: string, value: Buffer): void;
  /** False when the name was not set. */
  remove(ino: number, name: string): boolean;
  /** The inode is gone (last link removed): forget its attributes. */
  drop(ino: number): void;
}

export function createXattrStore(metaDir: string): XattrStore {
  const dir = join(metaDir, 'xattr');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cache = new Map<number, Map<string, Buffer>>();
  /** Inodes that have a sidecar file (kept in step by save()). */
  const onDisk = new Set<number>();
  for (const f of readdirSync(dir)) if (/^[0-9]+$/.test(f)) onDisk.add(Number(f));
  const EMPTY: ReadonlyMap<string, Buffer> = new Map();

  /** The attributes of `ino` for reading (shared empty map when it has none; never mutate it). */
  function peek(ino: number): ReadonlyMap<string, Buffer> {
    return cache.get(ino) ?? (onDisk.has(ino) ? load(ino) : EMPTY);
  }

  function load(ino: number): Map<string, Buffer> {
    let m = cache.get(ino);
    if (m) return m;
    m = new Map();
    if (!onDisk.has(ino)) return m;
    try {
      const obj = JSON.parse(readFileSync(join(dir, String(ino)), 'utf8')) as Record<string, string>;
      for (const [k, v] of Object.entries(obj)) m.set(k, Buffer.from(v, 'base64'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    cache.set(ino, m);
    return m;
  }

  function save(ino: number, m: Map<string, Buffer>): void {
    const file = join(dir, String(ino));
    if (m.size === 0) {
      try { unlinkSync(file); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; }
      onDisk.delete(ino);
      return;
    }
    const obj: Record<string, string> = {};
    for (const [k, v] of m) obj[k] = v.toString('base64');
    writeFileSync(`${file}.tmp`, JSON.stringify(obj), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    onDisk.add(ino);
  }

  return {
    get: (ino, name) => peek(ino).get(name),
    list: (ino) => [...peek(ino).keys()],
    set(ino, name, value) {
      const m = load(ino);
      cache.set(ino, m);
      m.set(name, Buffer.from(value));
      save(ino, m);
    },
    remove(ino, name) {
      const m = load(ino);
      if (!m.delete(name)) return false;
      save(ino, m);
      return true;
    },
    drop(ino) {
      const m = peek(ino);
      cache.delete(ino);
      if (m.size > 0 || onDisk.has(ino)) save(ino, new Map());
    },
  };
}
