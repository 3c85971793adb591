import { readFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { ErrorCodes, VexfsError } from '../errors.js';
import { configSchema, ENV_KEYS } from './schema.js';

/** The validated, frozen configuration (types mirror src/config/schema.ts). */
export interface VexfsConfig {
  node: string;
  dataDir: string;
  mount: { enabled: boolean; backing: string; mountpoint: string; attrTimeout: number; entryTimeout: number; kernelCache: boolean; contentHash: boolean };
  journal: { fsync: 'lazy' | 'strict'; lazyIntervalMs: number; segmentBytes: number; retentionBytes: number; retentionMs: number };
  kafka: { brokers: string[]; clientId: string; topicPrefix: string; partitions: number; groupId: string; schemaRegistryUrl: string };
  clickhouse: { url: string; database: string; username: string; password: string };
  processors: { windowSize: number; historySize: number; windowMs: number; sensitivity: number; contamination: number; anomalyWindow: number; minSamples: number; batchSize: number; flushMs: number };
  vector: { defaultCollection: string; defaultDim: number; defaultMetric: 'l2' | 'cosine' | 'ip'; similarK: number };
  api: { enabled: boolean; host: string; port: number; tokens: Record<string, 'admin' | 'operator' | 'viewer'>; bodyLimit: number };
  audit: { checkpointEvery: number; checkpointIntervalMs: number };
  /** Derived: true when Kafka brokers are configured. */
  readonly brokerMode: boolean;
  /** Derived: the config file read, if any. */
  readonly source: string | null;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const validateSchema = ajv.compile(configSchema);

export interface LoadConfigOptions {
  /** Config file (JSON). Default: $VEXFS_CONFIG, else ./vexfs.json when it exists. */
  file?: string;
  /** Environment to read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Values that win over file and env (CLI flags), as a partial config. */
  overrides?: Record<string, unknown>;
}

/** Reads file + environment + overrides, validates once, resolves paths, and freezes the result. */
export function loadConfig(opts: LoadConfigOptions = {}): VexfsConfig {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.VEXFS_CONFIG ?? (existsSync('vexfs.json') ? 'vexfs.json' : undefined);
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch (err) {
      throw configError(`cannot read config file ${file}: ${(err as Error).message}`, { file });
    }
    try { raw = JSON.parse(text); } catch (err) {
      throw configError(`config file ${file} is not valid JSON: ${(err as Error).message}`, { file });
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const spec = ENV_KEYS[name];
    if (!spec) {
      if (name.startsWith('VEXFS_') && !name.startsWith('VEXFS_TEST')) {
        throw configError(`unknown environment variable ${name}=${JSON.stringify(value)}; known: ${Object.keys(ENV_KEYS).filter((k) => k.startsWith('VEXFS_')).join(', ')}`, { key: name });
      }
      continue;
    }
    if (spec.key.startsWith('(')) continue;
    if (value === '' && name !== 'VEXFS_NODE') continue;
    setPath(raw, spec.key, spec.parse(value));
  }
  for (const [k, v] of Object.entries(opts.overrides ?? {})) if (v !== undefined) setPath(raw, k, v);
  raw.node ??= hostname().replace(/[^A-Za-z0-9._-]/g, '-') || 'vexfs';

  if (!validateSchema(raw)) {
    const first = validateSchema.errors![0]!;
    const key = (first.instancePath.replace(/^\//, '').replace(/\//g, '.') + (first.params && 'additionalProperty' in first.params ? `${first.instancePath ? '.' : ''}${(first.params as { additionalProperty: string }).additionalProperty}` : '')) || '(root)';
    const value = getPath(raw, key);
    const allowed = describeAllowed(first);
    throw configError(`config key ${key}${value === undefined ? '' : ` = ${JSON.stringify(value)}`} is invalid: ${first.message}${allowed}${file ? ` (file ${file})` : ''}`, { key, value, file });
  }
  const cfg = raw as unknown as VexfsConfig;
  cfg.dataDir = resolve(cfg.dataDir);
  cfg.mount.backing = resolve(cfg.mount.backing);
  cfg.mount.mountpoint = resolve(cfg.mount.mountpoint);
  Object.defineProperty(cfg, 'brokerMode', { value: cfg.kafka.brokers.length > 0, enumerable: true });
  Object.defineProperty(cfg, 'source', { value: file ?? null, enumerable: true });
  return deepFreeze(cfg);
}

function describeAllowed(err: { keyword: string; params: Record<string, unknown> }): string {
  switch (err.keyword) {
    case 'additionalProperties': return ' (unknown key: check the spelling against docs/configuration.md)';
    case 'enum': return ` (allowed: ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`;
    default: return '';
  }
}

function configError(message: string, context: Record<string, unknown>): VexfsError {
  return new VexfsError(ErrorCodes.CONFIG_INVALID, message, { context });
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof o[p] !== 'object' || o[p] === null) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]!] = value;
}

function getPath(obj: unknown, path: string): unknown {
  let o = obj as Record<string, unknown> | undefined;
  for (const p of path.split('.')) { if (o === undefined || o === null || typeof o !== 'object') return undefined; o = o[p] as Record<string, unknown>; }
  return o;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') { for (const v of Object.values(o)) deepFreeze(v); Object.freeze(o); }
  return o;
}

/** Markdown reference of every key, generated from the schema's descriptions and defaults. */
export function configDocs(): string {
  const rows: string[] = ['| key | type | default | description |', '|---|---|---|---|'];
  const walk = (props: Record<string, any>, prefix: string) => {
    for (const [k, s] of Object.entries(props)) {
      const key = prefix + k;
      if (s.type === 'object' && s.properties) { walk(s.properties, key + '.'); continue; }
      const type = s.enum ? s.enum.map((v: string) => `\`${v}\``).join(' \\| ') : s.type === 'array' ? `${s.items.type}[]` : s.type;
      const def = s.default === undefined ? '—' : `\`${JSON.stringify(s.default)}\``;
      rows.push(`| \`${key}\` | ${type} | ${def} | ${s.description ?? ''} |`);
    }
  };
  walk(configSchema.properties, '');
  const env = Object.entries(ENV_KEYS).map(([n, s]) => `| \`${n}\` | ${s.key} |`);
  return `${rows.join('\n')}\n\nEnvironment variables (override the file; any other \`VEXFS_*\` variable is refused as a typo):\n\n| variable | sets |\n|---|---|\n${env.join('\n')}\n`;
}
