import { loadConfig, type VexfsConfig } from '../config/config.js';
import { VexfsError, ErrorCodes } from '../errors.js';
import { color, ExitCodes } from './output.js';

/** Global options every command accepts. */
export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

/** Loads the config with CLI overrides; a bad config exits 78 with the reason. */
export function configFrom(opts: GlobalOptions, overrides: Record<string, unknown> = {}): VexfsConfig {
  try {
    return loadConfig({ file: opts.config, overrides: { dataDir: opts.dataDir, ...overrides } });
  } catch (err) {
    fail(err);
  }
}

/** Prints an error the way every command does and exits with its documented code. */
export function fail(err: unknown): never {
  if (err instanceof VexfsError) {
    console.error(color.red(`error [${err.code}]: ${err.message}`));
    const code = err.code === ErrorCodes.CONFIG_INVALID ? ExitCodes.CONFIG
      : err.code === ErrorCodes.AUDIT_FAILED ? ExitCodes.VERIFY_FAILED
      : err.retriable ? ExitCodes.UNAVAILABLE : ExitCodes.FAILURE;
    process.exit(code);
  }
  const coded = err as { code?: unknown; message?: string; retriable?: boolean } | null;
  if (coded && typeof coded.code === 'string' && coded.code.startsWith('VEXFS_')) {
    // an API answer (ApiClientError) carries the server's stable code
    console.error(color.red(`error [${coded.code}]: ${coded.message}`));
    process.exit(coded.retriable ? ExitCodes.UNAVAILABLE : ExitCodes.FAILURE);
  }
  const msg = err instanceof Error ? err.message : String(err);
  console.error(color.red(`error: ${msg}`));
  if (process.env.VEXFS_DEBUG) console.error((err as Error)?.stack);
  process.exit(ExitCodes.FAILURE);
}

/** Runs an async action, routing failures through `fail`. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try { await fn(...args); } catch (err) { fail(err); }
  };
}
