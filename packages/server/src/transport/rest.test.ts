import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeApp } from '../../test/fixtures/probe.ts';
import { createTestDatabase, type TestDatabase } from '../../test/harness.ts';
import { listen } from '../../test/listen.ts';
import { createOrm, type Orm } from '../platform/db/orm.ts';
import { entities } from '../entities.ts';

let db: TestDatabase;
let orm: Orm;
let http: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await createOrm({ entities, database: db.database });
  http = await listen(createProbeApp(orm, { JSON_BODY_LIMIT: '2kb' }).express);
});
afterAll(async () => {
  await http.close();
  await orm.close();
  await db.drop();
});

const url = (path: string) => `${http.baseUrl}/api/v1${path}`;
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url(path), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('REST transport: input', () => {
  it('passes validated, coerced and defaulted input to the handler', async () => {
    const res = await post('/probe/groups/7/items', { title: '  Write tests  ' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      success: true,
      message: 'Created',
      data: { groupId: 7, title: 'Write tests', mode: 'safe', tags: [] },
    });
  });

  it('reports every invalid field of params, query and body at once, by name', async () => {
    const res = await post('/probe/groups/-1/items?mode=reckless', {
      title: 'ab',
      tags: ['x', 'y', 'z', 'w'],
      owner: { email: 'nope' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      success: boolean;
      code: string;
      message: string;
      errors: Record<string, string[]>;
    };
    expect(body).toMatchObject({ success: false, code: 'VALIDATION_FAILED', message: 'Validation failed' });
    expect(Object.keys(body.errors).sort()).toEqual(['groupId', 'mode', 'owner.email', 'tags', 'title']);
    expect(body.errors.title?.[0]).toMatch(/3/);
  });

  it('rejects unknown fields, naming them', async () => {
    const res = await post('/probe/groups/1/items', {
      title: 'fine',
      isAdmin: true,
      owner: { email: 'a@b.co', role: 'x' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Record<string, string[]> };
    expect(body.errors).toEqual({ isAdmin: ['Unknown field'], 'owner.role': ['Unknown field'] });
  });

  it('refuses NUL characters in any field, naming it, instead of letting the database fail', async () => {
    const res = await post('/probe/groups/1/items', { title: 'nul\u0000here', tags: ['ok', 'b\u0000d'] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: { title: ['Must not contain NUL characters'], 'tags.1': ['Must not contain NUL characters'] },
    });
  });

  it('malformed JSON: 400 MALFORMED_JSON', async () => {
    const res = await post('/probe/groups/1/items', '{bad');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      success: false,
      code: 'MALFORMED_JSON',
      message: 'The request body is not valid JSON',
    });
  });

  it('a body over the limit: 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await post('/probe/groups/1/items', { title: 'x'.repeat(10_000) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ success: false, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('a body that is not JSON: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await fetch(url('/probe/groups/1/items'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'title=hello',
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ success: false, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('a missing body is an empty one: 400 naming the required fields', async () => {
    const res = await fetch(url('/probe/groups/1/items'), { method: 'POST' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; errors: Record<string, string[]> };
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(body.errors)).toEqual(['title']);
  });

  it('a lying Content-Length: 400, and the server keeps serving', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url('/probe/groups/1/items'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '50' },
      });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.write('{"title":"short"}');
      setTimeout(() => req.destroy(), 200);
    }).catch(() => 0);
    expect([0, 400]).toContain(status);
    expect((await post('/probe/groups/1/items', { title: 'still up' })).status).toBe(201);
  });
});

describe('REST transport: output and failures', () => {
  it('answers service errors with their declared status and code', async () => {
    const res = await post('/probe/groups/1/items', { title: 'taken' });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ success: false, code: 'CONFLICT', message: 'That title is taken' });
  });

  it('strips whatever the contract does not declare from responses', async () => {
    const res = await fetch(url('/probe/leaky'));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ success: true, message: 'Here', data: { name: 'n' } });
    expect(text).not.toContain('argon2');
  });

  it('answers an unexpected failure with a bare 500: no message, path or stack from inside', async () => {
    const res = await fetch(url('/probe/broken'));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ success: false, code: 'INTERNAL_ERROR' });
    expect(text).not.toMatch(/secret|sock|at .*\.ts/);
  });
});

describe('REST transport: access levels', () => {
  it('a user route without a token: 401 with WWW-Authenticate', async () => {
    const res = await fetch(url('/probe/mine'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
  });

  it('a user route with a bad token: 401', async () => {
    const res = await fetch(url('/probe/mine'), { headers: { authorization: 'Bearer forged' } });
    expect(res.status).toBe(401);
  });

  it('a user route with a user token: 200 with the principal in the context', async () => {
    const res = await fetch(url('/probe/mine'), { headers: { authorization: 'Bearer user-token' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ data: { id: 'u1' } });
  });

  it('an admin route: 401 without a token, 403 for a user, 200 for an admin', async () => {
    expect((await fetch(url('/probe/admin'), { method: 'DELETE' })).status).toBe(401);
    const asUser = await fetch(url('/probe/admin'), {
      method: 'DELETE',
      headers: { authorization: 'Bearer user-token' },
    });
    expect(asUser.status).toBe(403);
    expect(await asUser.json()).toMatchObject({ code: 'FORBIDDEN' });
    const asAdmin = await fetch(url('/probe/admin'), {
      method: 'DELETE',
      headers: { authorization: 'Bearer admin-token' },
    });
    expect(asAdmin.status).toBe(200);
  });

  it('checks access before input: an anonymous caller learns nothing about validation', async () => {
    const res = await fetch(url('/probe/mine?unexpected=1'));
    expect(res.status).toBe(401);
  });
});
