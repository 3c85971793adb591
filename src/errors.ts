/** One error hierarchy for VexFS: every error has a stable code, `retriable`, and context. */

/** Stable error codes; each is documented in docs/errors.md (a test checks the docs cover them). */
export const ErrorCodes = {
  CONFIG_INVALID: 'VEXFS_CONFIG_INVALID',
  EVENT_INVALID: 'VEXFS_EVENT_INVALID',
  AVRO_DECODE: 'VEXFS_AVRO_DECODE',
  UNKNOWN_SCHEMA: 'VEXFS_UNKNOWN_SCHEMA',
  JOURNAL_CORRUPT: 'VEXFS_JOURNAL_CORRUPT',
  JOURNAL_CLOSED: 'VEXFS_JOURNAL_CLOSED',
  BROKER_UNAVAILABLE: 'VEXFS_BROKER_UNAVAILABLE',
  STORE_UNAVAILABLE: 'VEXFS_STORE_UNAVAILABLE',
  STORE_REJECTED: 'VEXFS_STORE_REJECTED',
  PATH_ESCAPE: 'VEXFS_PATH_ESCAPE',
  DIMENSION_MISMATCH: 'VEXFS_DIMENSION_MISMATCH',
  INVALID_VECTOR: 'VEXFS_INVALID_VECTOR',
  UNKNOWN_COLLECTION: 'VEXFS_UNKNOWN_COLLECTION',
  COLLECTION_EXISTS: 'VEXFS_COLLECTION_EXISTS',
  INVALID_ARGUMENT: 'VEXFS_INVALID_ARGUMENT',
  NOT_FOUND: 'VEXFS_NOT_FOUND',
  AUDIT_FAILED: 'VEXFS_AUDIT_FAILED',
  UNAUTHORIZED: 'VEXFS_UNAUTHORIZED',
  FORBIDDEN: 'VEXFS_FORBIDDEN',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every VexFS error. `context` names what was involved (key, file, broker...). */
export class VexfsError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, opts: { retriable?: boolean; context?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'VexfsError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.context = opts.context ?? {};
  }
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retriable: this.retriable, context: this.context };
  }
}

/** True for errors worth retrying: our retriable errors and transient network errors; never programmer errors. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof VexfsError) return err.retriable;
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return false;
  const code = (err as { code?: string } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE' || code === 'EAI_AGAIN';
}
