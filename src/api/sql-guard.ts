import { ErrorCodes, VexfsError } from '../errors.js';

const READ_STATEMENTS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN']);
// table functions that reach files, the network or processes: a viewer must not read the host through SQL
const DENIED_FUNCTIONS = new Set([
  'file', 'url', 'urlcluster', 's3', 's3cluster', 'gcs', 'azureblobstorage', 'hdfs', 'hdfscluster', 'remote', 'remotesecure',
  'cluster', 'clusterallreplicas', 'mysql', 'postgresql', 'mongodb', 'redis', 'sqlite', 'odbc', 'jdbc', 'executable',
  'executablepool', 'input', 'python', 'deltalake', 'iceberg', 'hudi', 'filecluster', 'dictionary',
]);

/**
 * Refuses anything but one read-only statement: the first keyword must be SELECT, WITH, SHOW,
 * DESCRIBE, EXISTS or EXPLAIN; no second statement after a `;`; no INTO OUTFILE; no table
 * functions that reach files, the network or processes. Defence in depth: the store also
 * runs the query with readonly=1.
 */
export function assertReadOnlySql(query: string): void {
  const refuse = (why: string) => new VexfsError(ErrorCodes.FORBIDDEN, `only one read-only statement is allowed: ${why}`, { context: { query: query.slice(0, 200) } });
  const words: string[] = [];
  let i = 0;
  let sawEnd = false;
  const n = query.length;
  while (i < n) {
    const c = query[i]!;
    if (c === '-' && query[i + 1] === '-') { while (i < n && query[i] !== '\n') i++; continue; }
    if (c === '#' ) { while (i < n && query[i] !== '\n') i++; continue; }
    if (c === '/' && query[i + 1] === '*') { const e = query.indexOf('*/', i + 2); i = e < 0 ? n : e + 2; continue; }
    if (c === "'" || c === '"' || c === '`') {
      i++;
      while (i < n && query[i] !== c) i += query[i] === '\\' ? 2 : 1;
      i++;
      if (sawEnd) throw refuse('text after the end of the statement');
      words.push('<q>');
      continue;
    }
    if (/\s/.test(c)) { i++; continue; }
    if (sawEnd) throw refuse('a second statement after ";"');
    if (c === ';') { sawEnd = true; i++; continue; }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(query[j]!)) j++;
      const word = query.slice(i, j);
      let k = j;
      while (k < n && /\s/.test(query[k]!)) k++;
      if (query[k] === '(' && DENIED_FUNCTIONS.has(word.toLowerCase())) throw refuse(`the table function ${word}() is not allowed`);
      words.push(word.toUpperCase());
      i = j;
      continue;
    }
    words.push(c);
    i++;
  }
  if (words.length === 0) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, 'empty SQL query');
  if (!READ_STATEMENTS.has(words[0]!)) throw refuse(`${words[0]} statements are not allowed (use SELECT, WITH, SHOW, DESCRIBE, EXISTS or EXPLAIN)`);
  for (let w = 0; w + 1 < words.length; w++) {
    if (words[w] === 'INTO' && words[w + 1] === 'OUTFILE') throw refuse('INTO OUTFILE is not allowed');
  }
}
