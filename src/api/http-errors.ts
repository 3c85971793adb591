import { ErrorCodes, VexfsError, type ErrorCode } from '../errors.js';

/**
 * Codes the HTTP layer adds to src/errors.ts ErrorCodes for failures that are not a
 * component's (a crashed handler, an oversized body, a dependency down at /ready).
 */
export const ApiErrorCodes = {
  INTERNAL: 'VEXFS_INTERNAL',
  PAYLOAD_TOO_LARGE: 'VEXFS_PAYLOAD_TOO_LARGE',
  NOT_READY: 'VEXFS_NOT_READY',
} as const;

/** Any code an API error body can carry. */
export type ApiErrorCode = ErrorCode | (typeof ApiErrorCodes)[keyof typeof ApiErrorCodes];

/** The JSON body of every API error. */
export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  retriable?: boolean;
  context?: Record<string, unknown>;
}

/** HTTP status of each VexfsError code; codes not listed are 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.UNKNOWN_COLLECTION]: 404,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.COLLECTION_EXISTS]: 409,
  [ErrorCodes.DIMENSION_MISMATCH]: 400,
  [ErrorCodes.INVALID_VECTOR]: 400,
  [ErrorCodes.INVALID_ARGUMENT]: 400,
  [ErrorCodes.CONFIG_INVALID]: 400,
  [ErrorCodes.EVENT_INVALID]: 400,
  [ErrorCodes.PATH_ESCAPE]: 400,
  [ErrorCodes.UNAUTHORIZED]: 401,
  [ErrorCodes.FORBIDDEN]: 403,
  [ErrorCodes.STORE_REJECTED]: 422,
  [ErrorCodes.AUDIT_FAILED]: 422,
  [ErrorCodes.STORE_UNAVAILABLE]: 503,
  [ErrorCodes.BROKER_UNAVAILABLE]: 503,
  [ErrorCodes.JOURNAL_CLOSED]: 503,
};

/** The HTTP status for a VexfsError code. */
export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** An error with an explicit HTTP status and body, thrown by route handlers. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly body: ApiErrorBody) {
    super(body.message);
    this.name = 'HttpError';
  }
}

/** Shorthand for a VexfsError with context (handlers throw these; the error handler maps them). */
export function apiError(code: ErrorCode, message: string, context: Record<string, unknown> = {}): VexfsError {
  return new VexfsError(code, message, { context });
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
  validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  validationContext?: string;
}

/** Turns anything a handler or fastify threw into a status and a stable JSON body. */
export function toHttpError(err: unknown): { status: number; body: ApiErrorBody } {
  if (err instanceof HttpError) return { status: err.statusCode, body: err.body };
  if (err instanceof VexfsError) {
    return { status: httpStatusOf(err.code), body: { code: err.code, message: err.message, retriable: err.retriable, context: err.context } };
  }
  const e = err as FastifyLikeError;
  if (e && Array.isArray(e.validation)) {
    return { status: 400, body: { code: ErrorCodes.INVALID_ARGUMENT, message: validationMessage(e), context: { where: e.validationContext ?? 'body' } } };
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { code: ErrorCodes.INVALID_ARGUMENT, message: `malformed JSON body: ${e.message}` } };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { code: ApiErrorCodes.PAYLOAD_TOO_LARGE, message: 'request body is larger than the limit (api.bodyLimit)' } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: e.statusCode ?? 415, body: { code: ErrorCodes.INVALID_ARGUMENT, message: `${e.message}; send Content-Type: application/json` } };
    default:
      break;
  }
  if (err instanceof SyntaxError) return { status: 400, body: { code: ErrorCodes.INVALID_ARGUMENT, message: `malformed JSON body: ${err.message}` } };
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: { code: ErrorCodes.INVALID_ARGUMENT, message: e.message } };
  }
  return { status: 500, body: { code: ApiErrorCodes.INTERNAL, message: `internal error: ${e?.message ?? String(err)}` } };
}

function validationMessage(e: FastifyLikeError): string {
  const where = e.validationContext ?? 'body';
  const parts = (e.validation ?? []).map((v) => {
    const field = v.instancePath ? v.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const extra = v.params?.additionalProperty ? ` (${String(v.params.additionalProperty)})` : v.params?.missingProperty ? '' : '';
    return `${where}${field ? `.${field}` : ''} ${v.message ?? 'is invalid'}${extra}`;
  });
  return parts.join('; ') || e.message;
}
