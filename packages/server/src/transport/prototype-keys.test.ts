import { randomUUID } from 'node:crypto';
import { contract, contractRoutes, isMultipartRoute } from '@taskvault/contract';
import type { AppRoute } from '@ts-rest/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { adminSession } from '../../test/api.ts';
import { startTestServer, type TestServer } from '../../test/harness.ts';
import { routeMetadata } from './handlers.ts';

/**
 * Keys named like members of Object.prototype, sent as unknown fields of every JSON body the contract
 * declares: each must be refused with 400 naming it, never a 500 from code that looked the key up on a
 * plain object. The routes come from walking the contract, so a new route is covered without listing it.
 */
const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
// Written by hand: an object literal with __proto__ would set the prototype instead of holding the key.
const BODY = `{${PROTOTYPE_KEYS.map((k) => `"${k}":1`).join(',')}}`;

type Entry = { name: string; route: AppRoute };

const entries: Entry[] = [...contractRoutes(contract)].map(({ path, route }) => ({
  name: path.join('.'),
  route,
}));
const jsonBodyRoutes = entries.filter(
  ({ route }) =>
    route.method !== 'GET' &&
    'body' in route &&
    route.body instanceof z.ZodObject &&
    !isMultipartRoute(route),
);
const queryRoutes = entries.filter(({ route }) => route.query instanceof z.ZodObject);

/** The route's path with a fresh uuid for every parameter: validation comes before any lookup. */
const pathOf = (route: AppRoute) => route.path.replace(/:[A-Za-z]+/g, () => randomUUID());
const paramsOf = (route: AppRoute): Record<string, string> =>
  Object.fromEntries([...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => [m[1] ?? '', randomUUID()]));

type Envelope = { success: false; code: string; errors?: Record<string, string[]> };

let srv: TestServer;
let token: string;
beforeAll(async () => {
  srv = await startTestServer();
  // An administrator passes every access check, so each route gets as far as validating its input.
  token = (await adminSession(srv)).tokens.access;
});
afterAll(() => srv?.close());

const headers = () => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  // Cookie-mode routes want their CSRF header; a value that passes its schema keeps the body in focus.
  'x-taskvault-csrf': '1',
});

describe('JSON keys named like Object.prototype members', () => {
  it('the contract has JSON body routes to try', () => {
    expect(jsonBodyRoutes.length).toBeGreaterThan(10);
  });

  it.each(jsonBodyRoutes.map((e) => [e.name, e] as const))(
    'REST %s: 400 naming each of them',
    async (_name, { route }) => {
      const res = await fetch(`${srv.baseUrl}${pathOf(route)}`, {
        method: route.method,
        headers: headers(),
        body: BODY,
      });
      const body = (await res.json()) as Envelope;
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
      expect(Object.keys(body.errors ?? {})).toEqual(expect.arrayContaining(PROTOTYPE_KEYS));
      for (const key of PROTOTYPE_KEYS) expect(body.errors?.[key]).toEqual(['Unknown field']);
    },
  );

  it.each(jsonBodyRoutes.filter((e) => !routeMetadata(e.route).restOnly).map((e) => [e.name, e] as const))(
    'tRPC %s: 400 naming each of them, and unknown top-level keys are no 500 either',
    async (name, { route }) => {
      const params = JSON.stringify(paramsOf(route));
      const input = `{"params":${params},"query":{},"body":${BODY},"constructor":1,"__proto__":1}`;
      const res = await fetch(`${srv.baseUrl}/trpc/${name}`, {
        method: 'POST',
        headers: headers(),
        body: input,
      });
      const body = (await res.json()) as { error: { data: { envelope: Envelope } } };
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { envelope } = body.error.data;
      expect(envelope.code).toBe('VALIDATION_FAILED');
      for (const key of PROTOTYPE_KEYS) expect(envelope.errors?.[key]).toEqual(['Unknown field']);
    },
  );

  it.each(queryRoutes.map((e) => [e.name, e] as const))(
    'REST %s: such query parameters answer in the envelope, never 500',
    async (_name, { route }) => {
      const query = PROTOTYPE_KEYS.map((k) => `${k}=1`).join('&');
      const res = await fetch(`${srv.baseUrl}${pathOf(route)}?${query}`, {
        method: route.method,
        headers: headers(),
      });
      expect(res.status).toBeLessThan(500);
      if (res.status === 400) {
        const body = (await res.json()) as Envelope;
        expect(body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
      }
    },
  );
});

describe('multipart fields named like Object.prototype members', () => {
  const uploads = entries.filter(({ route }) => isMultipartRoute(route));

  it.each(uploads.map((e) => [e.name, e] as const))(
    'REST %s: 400 naming each of them',
    async (_name, { route }) => {
      const form = new FormData();
      for (const key of PROTOTYPE_KEYS) form.append(key, 'x');
      form.append('file', new Blob(['hello'], { type: 'text/plain' }), 'note.txt');
      const res = await fetch(`${srv.baseUrl}${pathOf(route)}`, {
        method: route.method,
        headers: { authorization: `Bearer ${token}`, 'x-taskvault-csrf': '1' },
        body: form,
      });
      const body = (await res.json()) as Envelope;
      expect(res.status, JSON.stringify(body)).toBe(400);
      for (const key of PROTOTYPE_KEYS) expect(body.errors?.[key]).toEqual(['Unknown field']);
    },
  );
});
