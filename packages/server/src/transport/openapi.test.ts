import { Validator } from '@seriousme/openapi-schema-validator';
import { contract, type RouteMetadata } from '@taskvault/contract';
import { isAppRoute, type AppRoute, type AppRouter } from '@ts-rest/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness.ts';

/** Every route of the real contract with its key path, as the transports see it. */
const routes = (router: AppRouter, prefix: string[] = []): Array<[string, AppRoute]> =>
  Object.entries(router).flatMap(([key, node]) =>
    isAppRoute(node)
      ? [[[...prefix, key].join('.'), node] as [string, AppRoute]]
      : routes(node, [...prefix, key]),
  );

let srv: TestServer;
let doc: {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { operationId: string; tags: string[]; security: unknown[]; responses: Record<string, unknown> }
    >
  >;
};
beforeAll(async () => {
  srv = await startTestServer();
  doc = (await (await fetch(`${srv.baseUrl}/api/v1/openapi.json`)).json()) as typeof doc;
});
afterAll(async () => srv.close());

describe('the contract is complete', () => {
  it.each(routes(contract))('%s declares summary, description and access', (_id, route) => {
    expect(route.summary).toBeTruthy();
    expect(route.description).toBeTruthy();
    expect(['public', 'user', 'admin']).toContain((route.metadata as RouteMetadata).access);
  });

  it.each(routes(contract).filter(([, r]) => (r.metadata as RouteMetadata).access !== 'public'))(
    '%s, not public, declares 401 and 403',
    (_id, route) => {
      expect(Object.keys(route.responses)).toEqual(expect.arrayContaining(['401', '403']));
    },
  );
});

describe('OpenAPI 3.1 document', () => {
  it('passes an OpenAPI 3.1 schema validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it.each(routes(contract))(
    'documents %s with its path, method, tag, security and every response',
    (id, route) => {
      const path = route.path.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      expect(op?.operationId).toBe(id);
      expect(op?.tags).toEqual([id.split('.')[0]]);
      expect(op?.security).toEqual(
        (route.metadata as RouteMetadata).access === 'public' ? [] : [{ bearerAuth: [] }],
      );
      expect(Object.keys(op?.responses ?? {}).sort()).toEqual(Object.keys(route.responses).sort());
    },
  );

  it('describes the error envelope once, as a shared component', () => {
    const text = JSON.stringify(doc);
    expect(text).toContain('"#/components/schemas/ErrorEnvelope"');
    expect(text).not.toContain('#/$defs/');
  });
});

describe('tRPC router', () => {
  it.each(routes(contract).filter(([, r]) => !(r.metadata as RouteMetadata).restOnly))(
    'serves %s as a query for GET and a mutation otherwise',
    (id, route) => {
      const procedures = srv.app.trpcRouter._def.procedures as unknown as Record<
        string,
        { _def: { type: string } } | undefined
      >;
      expect(procedures[id]?._def.type).toBe(route.method === 'GET' ? 'query' : 'mutation');
    },
  );
});

describe('docs UI', () => {
  it('serves Swagger UI from local assets, pointed at the live document', async () => {
    const page = await fetch(`${srv.baseUrl}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/https?:\/\/(?!localhost)[^"']*\.(js|css)/);
    const init = await fetch(`${srv.baseUrl}/docs/swagger-ui-init.js`);
    expect(init.status).toBe(200);
    expect(await init.text()).toContain('/api/v1/openapi.json');
    const bundle = await fetch(`${srv.baseUrl}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
  });
});
