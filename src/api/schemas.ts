/** JSON schemas shared by the routes (request validation and the OpenAPI document). */

export const errorSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', description: 'Stable error code (VEXFS_*), see docs/errors.md and docs/api.md' },
    message: { type: 'string' },
    retriable: { type: 'boolean' },
    context: { type: 'object', additionalProperties: true },
  },
} as const;

/** Error responses every authenticated route may give. */
export const errorResponses = {
  400: { description: 'Bad input (VEXFS_INVALID_ARGUMENT, VEXFS_DIMENSION_MISMATCH, VEXFS_INVALID_VECTOR)', ...errorSchema },
  401: { description: 'Missing or unknown token (VEXFS_UNAUTHORIZED)', ...errorSchema },
  403: { description: 'Role too low (VEXFS_FORBIDDEN)', ...errorSchema },
  404: { description: 'Not found (VEXFS_NOT_FOUND, VEXFS_UNKNOWN_COLLECTION)', ...errorSchema },
} as const;

export const collectionName = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$', description: 'Collection name: letters, digits, _ . - (1–128)' } as const;
export const vectorId = { type: 'string', minLength: 1, maxLength: 4096, description: 'Vector id (often the file path); URL-encode it in paths' } as const;
export const vector = { type: 'array', minItems: 1, maxItems: 65536, items: { type: 'number' }, description: 'Finite float32 values' } as const;
export const metric = { type: 'string', enum: ['l2', 'cosine', 'ip'] } as const;

export const collectionInfo = {
  type: 'object',
  required: ['name', 'dim', 'metric', 'count'],
  properties: {
    name: { type: 'string' }, dim: { type: 'integer' }, metric: { type: 'string' }, count: { type: 'integer' },
    M: { type: 'integer' }, efConstruction: { type: 'integer' }, ef: { type: 'integer' }, bytes: { type: 'integer', description: 'Approximate memory held' },
  },
} as const;

export const vectorRecord = {
  type: 'object',
  required: ['id', 'vector'],
  additionalProperties: false,
  properties: { id: vectorId, vector },
} as const;

export const searchHit = {
  type: 'object',
  required: ['id', 'distance'],
  properties: { id: { type: 'string' }, distance: { type: 'number', description: 'l2: squared euclidean; cosine: 1 − cos; ip: 1 − a·b' } },
} as const;

export const searchParams = {
  k: { type: 'integer', minimum: 1, maximum: 10000, default: 10, description: 'Hits to return (default 10)' },
  ef: { type: 'integer', minimum: 1, maximum: 100000, description: 'HNSW search breadth (≥ k); default the collection\'s' },
  prefix: { type: 'string', maxLength: 4096, description: 'Keep only ids (file paths) starting with this, e.g. /docs/' },
} as const;

export const collectionParams = { type: 'object', required: ['name'], properties: { name: collectionName } } as const;
export const vectorParams = { type: 'object', required: ['name', 'id'], properties: { name: collectionName, id: vectorId } } as const;

/** Querystring of authenticated GET routes: `token` is accepted for clients that cannot set headers. */
export const tokenQuery = { token: { type: 'string', description: 'API token, for clients that cannot send Authorization (EventSource)' } } as const;

export const okSchema = { type: 'object', properties: { ok: { type: 'boolean' } } } as const;
