/**
 * Model-based random driver (a child process of the test, so a hung mount can be killed):
 * applies the same random operations to a mount and to a reference directory with ordinary
 * sync fs calls, compares error codes, contents and stat fields, and writes a JSON report:
 * `{ seed, ops, mismatches, expected }` where `expected` lists, per operation, the fs events
 * the daemon must have journalled for it (op, path, errno) — see fuse-model.test.ts.
 * Usage: tsx fuse-model-driver.ts <mount> <reference> <ops> <seed> <out.json> [nolinks]
 */
import * as fs from 'node:fs';
import { constants } from 'node:os';

const [mnt, ref, nOps, seedArg, outFile, flags = ''] = process.argv.slice(2) as [string, string, string, string, string, string?];
/** 'nolinks': no hard links (with attribute caching on, another name of the same file may show attributes up to attrTimeout old). */
const noLinks = flags.includes('nolinks');
const N = Number(nOps);
let seed = Number(seedArg) >>> 0;
function rnd(): number { // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
const PARENTS = ['', '/d1', '/d2', '/d1/d3', '/d2/d1'];
const NAMES = ['a', 'b', 'c', 'd1', 'd2', 'd3'];
const POOL = PARENTS.flatMap((p) => NAMES.map((n) => `${p}/${n}`));
// Files are mostly created under a-c and directories under d1-d3, so most operations find what they need.
const FILES = POOL.filter((p) => !/\/d\d$/.test(p));
const DIRS = POOL.filter((p) => /\/d\d$/.test(p));
const MODES = [0o600, 0o644, 0o755, 0o700, 0o640];
process.umask(0o022);

type Res = { code: string; value?: unknown };
function run(f: (base: string) => unknown, base: string): Res {
  try { return { code: 'OK', value: f(base) }; } catch (err) { return { code: (err as NodeJS.ErrnoException).code ?? String(err) }; }
}
const errnoOf = (code: string): number => (code === 'OK' ? 0 : (constants.errno as Record<string, number>)[code] ?? -1);
function lst(base: string, p: string): fs.Stats | null {
  try { return fs.lstatSync(base + p); } catch { return null; }
}
function statView(s: fs.Stats): string {
  const type = s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'link' : s.isFile() ? 'file' : 'other';
  return `${type} ${(s.mode & 0o7777).toString(8)} ${type === 'dir' ? '' : s.size} nlink=${s.nlink}`;
}

/**
 * A write(2) may reach the daemon as several write requests (how the kernel splits a write depends
 * on pages and fuse-native's max_write), so a write is expected as write events adding up to its bytes.
 */
function writeEvents(p: string, _off: number, len: number): Ev[] {
  return len > 0 ? [['write', p, 0, len]] : [];
}

const mismatches: string[] = [];
/** An expected journal event: op, path, errno, and '' (exactly one), '?' (zero or one) or, for writes, the bytes the write events add up to. */
type Ev = [string, string, number, ('' | '?' | number)?];
const expected: Array<{ i: number; op: string; path: string; errno: number; events: Ev[] }> = [];
const counts: Record<string, number> = {};
let bytes = 0;

for (let i = 0; i < N; i++) {
  const r = rnd();
  let p = pick(POOL);
  let op: string;
  let f: (b: string) => unknown;
  let events: (ok: boolean) => Ev[] = () => [];
  if (r < 0.16) {
    op = 'writeFile';
    if (rnd() < 0.8) p = pick(FILES);
    const existedAsFile = lst(ref, p)?.isFile() ?? false;
    const data = Buffer.alloc(Math.floor(rnd() * 4097), String.fromCharCode(97 + (i % 26)));
    f = (b) => fs.writeFileSync(b + p, data);
    // O_TRUNC of an existing file: the kernel sends a truncate unless it already knows the size is 0.
    events = (ok) => (ok ? [...(existedAsFile ? [['truncate', p, 0, '?']] : [['create', p, 0]]), ...writeEvents(p, 0, data.length)] as Ev[] : []);
    bytes += data.length;
  } else if (r < 0.24) {
    op = 'pwrite';
    const data = Buffer.alloc(1 + Math.floor(rnd() * 2048), 'z');
    const off = Math.floor(rnd() * 6000);
    f = (b) => { const fd = fs.openSync(b + p, 'r+'); try { return fs.writeSync(fd, data, 0, data.length, off); } finally { fs.closeSync(fd); } };
    events = (ok) => (ok ? writeEvents(p, off, data.length) : []);
  } else if (r < 0.34) {
    op = 'readFile';
    f = (b) => fs.readFileSync(b + p).toString('base64');
  } else if (r < 0.40) {
    op = 'truncate';
    const len = Math.floor(rnd() * 9000);
    f = (b) => fs.truncateSync(b + p, len);
    events = (ok) => (ok ? [['ftruncate', p, 0]] as Ev[] : []);
  } else if (r < 0.50) {
    op = 'mkdir';
    if (rnd() < 0.8) p = pick(DIRS);
    const mode = pick(MODES);
    f = (b) => fs.mkdirSync(b + p, mode);
    events = (ok) => (ok ? [['mkdir', p, 0]] as Ev[] : []);
  } else if (r < 0.55) {
    op = 'rmdir';
    f = (b) => fs.rmdirSync(b + p);
    events = (ok) => (ok ? [['rmdir', p, 0]] as Ev[] : []);
  } else if (r < 0.61) {
    op = 'unlink';
    f = (b) => fs.unlinkSync(b + p);
    events = (ok) => (ok ? [['unlink', p, 0]] as Ev[] : []);
  } else if (r < 0.68) {
    op = 'rename';
    const q = pick(POOL);
    // Renaming a name onto itself never reaches the daemon; two hard links of one file do (the kernel sees two nodes).
    const same = p === q;
    f = (b) => fs.renameSync(b + p, b + q);
    events = (ok) => (ok && !same ? [['rename', p, 0]] as Ev[] : []);
  } else if (r < 0.72) {
    op = 'symlink';
    // Dangling relative targets (zz never exists): following one never lands on a pool path.
    const target = `zz/${Math.floor(rnd() * 5)}`;
    f = (b) => fs.symlinkSync(target, b + p);
    events = (ok) => (ok ? [['symlink', p, 0]] as Ev[] : []);
  } else if (r < 0.75) {
    op = 'readlink';
    // Not matched one by one: the kernel also sends readlink whenever it follows a link.
    f = (b) => fs.readlinkSync(b + p);
  } else if (r < 0.79 && !noLinks) {
    op = 'link';
    const q = pick(POOL);
    f = (b) => fs.linkSync(b + p, b + q);
    events = (ok) => (ok ? [['link', p, 0]] as Ev[] : []);
  } else if (r < 0.84) {
    op = 'chmod';
    const mode = pick(MODES);
    const isLink = lst(ref, p)?.isSymbolicLink() ?? false;
    f = (b) => fs.chmodSync(b + p, mode);
    events = (ok) => (ok && !isLink ? [['chmod', p, 0]] as Ev[] : []);
  } else if (r < 0.94) {
    op = 'stat';
    f = (b) => { const s = fs.lstatSync(b + p); return statView(s); };
  } else {
    op = 'readdir';
    f = (b) => fs.readdirSync(b + p).sort().join(',');
  }
  const m = run(f, mnt);
  const e = run(f, ref);
  counts[op] = (counts[op] ?? 0) + 1;
  if (m.code !== e.code || JSON.stringify(m.value) !== JSON.stringify(e.value)) {
    mismatches.push(`#${i} ${op} ${p}: mount ${m.code} ${JSON.stringify(m.value)?.slice(0, 120)} vs reference ${e.code} ${JSON.stringify(e.value)?.slice(0, 120)}`);
    if (mismatches.length > 50) break;
  }
  const evs = events(e.code === 'OK');
  if (evs.length > 0 || e.code !== 'OK') expected.push({ i, op, path: p, errno: errnoOf(m.code), events: evs });
}

// Final trees: same entries, types, modes, sizes and contents.
function walk(base: string, rel = ''): string[] {
  const out: string[] = [];
  for (const n of fs.readdirSync(base + rel).sort()) {
    const p = `${rel}/${n}`;
    const s = fs.lstatSync(base + p);
    out.push(`${p} ${statView(s)}${s.isFile() ? ' ' + fs.readFileSync(base + p).toString('base64').length : ''}`);
    if (s.isDirectory()) out.push(...walk(base, p));
  }
  return out;
}
const tm = walk(mnt).join('\n');
const tr = walk(ref).join('\n');
if (tm !== tr) {
  const a = new Set(tm.split('\n'));
  const b = new Set(tr.split('\n'));
  mismatches.push(`final trees differ: only on the mount: ${[...a].filter((x) => !b.has(x)).join('; ')} | only in the reference: ${[...b].filter((x) => !a.has(x)).join('; ')}`);
}
fs.writeFileSync(outFile, JSON.stringify({ seed: Number(seedArg), ops: N, counts, bytes, mismatches, expected, tree: tm.split('\n').length }));
