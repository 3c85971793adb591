/** Output helpers for the CLI: colours only on a TTY and when NO_COLOR is unset; JSON when asked. */
const useColor = process.stdout.isTTY === true && !('NO_COLOR' in process.env);

export const color = {
  red: (s: string) => (useColor ? `\x1b[31m${s}\x1b[0m` : s),
  green: (s: string) => (useColor ? `\x1b[32m${s}\x1b[0m` : s),
  yellow: (s: string) => (useColor ? `\x1b[33m${s}\x1b[0m` : s),
  bold: (s: string) => (useColor ? `\x1b[1m${s}\x1b[0m` : s),
  dim: (s: string) => (useColor ? `\x1b[2m${s}\x1b[0m` : s),
};

/** Prints rows as an aligned text table. */
export function printTable(rows: Array<Record<string, unknown>>): void {
  if (rows.length === 0) { console.log('(no rows)'); return; }
  const cols = Object.keys(rows[0]!);
  const cells = rows.map((r) => cols.map((c) => fmt(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  console.log(cols.map((c, i) => color.bold(c.padEnd(widths[i]!))).join('  '));
  for (const r of cells) console.log(r.map((v, i) => v.padEnd(widths[i]!)).join('  '));
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Documented exit codes (README "Exit codes"). */
export const ExitCodes = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  /** verification found a problem (audit verify) */
  VERIFY_FAILED: 3,
  /** a dependency (broker, store) is unavailable */
  UNAVAILABLE: 69,
  /** bad configuration (EX_CONFIG) */
  CONFIG: 78,
} as const;
