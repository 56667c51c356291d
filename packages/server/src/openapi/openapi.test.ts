import { Validator } from '@seriousme/openapi-schema-validator';
import {
  contract,
  contractRoutes,
  ErrorEnvelopeSchema,
  errorStatus,
  TaskSchema,
  type RouteMetadata,
} from '@taskvault/contract';
import type { AppRoute, AppRouter } from '@ts-rest/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness.ts';

/** Every route of the real contract with its key path, as the transports see it. */
const routes = (router: AppRouter): Array<[string, AppRoute]> =>
  [...contractRoutes(router)].map(({ path, route }) => [path.join('.'), route]);

type Media = { schema?: unknown; example?: unknown; examples?: Record<string, { value: unknown }> };
type Link = { operationId: string; parameters: Record<string, string>; description?: string };
type Response = {
  $ref?: string;
  description?: string;
  content?: Record<string, Media>;
  links?: Record<string, Link>;
};
type Parameter = { name: string; in: string; required?: boolean; schema: { pattern?: string } };
type Operation = {
  operationId: string;
  summary?: string;
  description?: string;
  tags: string[];
  security: unknown[];
  deprecated?: boolean;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, Response>;
};
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, Response> };
};

let srv: TestServer;
let doc: Doc;
let doc30: Doc;
beforeAll(async () => {
  srv = await startTestServer();
  doc = (await (await fetch(`${srv.baseUrl}/api/v1/openapi.json`)).json()) as Doc;
  doc30 = (await (await fetch(`${srv.baseUrl}/api/v1/openapi-3.0.json`)).json()) as Doc;
});
const operations = (d: Doc) =>
  Object.entries(d.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const),
  );
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

  it('answers every error with a shared response: the envelope, and an example per error code', () => {
    for (const [id, op] of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || (response.content?.['application/json'] === undefined && !response.$ref))
          continue;
        expect(response.$ref, `${id} ${status}`).toMatch(/^#\/components\/responses\/[A-Za-z]+$/);
      }
    }
    const byStatus = Object.entries(errorStatus);
    for (const [name, response] of Object.entries(doc.components.responses)) {
      const media = response.content?.['application/json'];
      expect(media?.schema, name).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
      for (const [code, example] of Object.entries(media?.examples ?? {})) {
        expect(ErrorEnvelopeSchema.parse(example.value).code).toBe(code);
        expect(byStatus.find(([c]) => c === code)?.[1]).toBeDefined();
      }
    }
    expect(doc.components.responses.BadRequest?.content?.['application/json']?.examples).toHaveProperty(
      'VALIDATION_FAILED',
    );
  });

  it('gives every operation a summary, a description, and examples of its JSON bodies', () => {
    for (const [id, op] of operations(doc)) {
      expect(op.summary, id).toBeTruthy();
      expect(op.description, id).toBeTruthy();
      for (const media of Object.values(op.requestBody?.content ?? {}))
        expect(media.example, `${id} request`).toBeDefined();
      for (const [status, response] of Object.entries(op.responses))
        for (const [type, media] of Object.entries(response.content ?? {}))
          if (type === 'application/json') expect(media.example, `${id} ${status}`).toBeDefined();
    }
  });

  it("shows the contract's own examples: a task, as the contract declares it", () => {
    const task = doc.paths['/api/v1/tasks/{id}']?.put?.responses['200']?.content?.['application/json'];
    expect(TaskSchema.parse((task?.example as { data: unknown }).data)).toMatchObject({
      status: 'in_progress',
    });
  });
});

describe('OpenAPI links', () => {
  /** Every link of a document: where it is, what it points at, and the answer it reads from. */
  const linksOf = (d: Doc) =>
    operations(d).flatMap(([, op]) =>
      Object.entries(op.responses).flatMap(([status, response]) =>
        Object.entries(response.links ?? {}).map(([name, link]) => ({
          from: op,
          status,
          response,
          name,
          link,
        })),
      ),
    );
  const byId = (d: Doc) => new Map(operations(d).map(([, op]) => [op.operationId, op]));
  const linked = (d: Doc, from: string, status: string) =>
    Object.values(byId(d).get(from)?.responses[status]?.links ?? {})
      .map((l) => l.operationId)
      .sort();

  it('chain create → get → update → delete for tasks and files, and the admin user list to each user', () => {
    expect(linked(doc, 'tasks.create', '201')).toEqual(
      ['tasks.adminRemove', 'tasks.get', 'tasks.remove', 'tasks.replace', 'tasks.update'].sort(),
    );
    expect(linked(doc, 'tasks.get', '200')).toEqual(
      ['tasks.adminRemove', 'tasks.remove', 'tasks.replace', 'tasks.update'].sort(),
    );
    expect(linked(doc, 'files.upload', '201')).toEqual(
      ['files.downloadLink', 'files.get', 'files.remove', 'files.update'].sort(),
    );
    expect(linked(doc, 'users.list', '200')).toEqual(['users.get', 'users.remove', 'users.update']);
    // The content needs a signature no answer carries apart: a link there could not be followed.
    expect(linksOf(doc).filter(({ link }) => link.operationId === 'files.download')).toEqual([]);
  });

  it.each([
    ['3.1', () => doc],
    ['3.0', () => doc30],
  ])(
    'in the %s document, name existing operations and their parameters, read from the answer where the id is',
    (_v, d) => {
      const ops = byId(d());
      const all = linksOf(d());
      expect(all.length).toBeGreaterThan(20);
      for (const { from, status, response, name, link } of all) {
        const where = `${from.operationId} ${status} → ${name}`;
        expect(status, where).toMatch(/^2\d\d$/);
        expect(name, where).toBe(link.operationId);
        const target = ops.get(link.operationId);
        expect(target, where).toBeDefined();
        expect(link.description, where).toBeTruthy();
        expect(Object.keys(link.parameters).length, where).toBeGreaterThan(0);
        // Every required parameter of the target is given, so the link can be followed as it is.
        for (const p of target!.parameters ?? [])
          if (p.required) expect(Object.keys(link.parameters), where).toContain(p.name);
        for (const [param, expression] of Object.entries(link.parameters)) {
          const p = target!.parameters?.find((x) => x.name === param || `${x.in}.${x.name}` === param);
          expect(p, `${where}: parameter ${param}`).toBeDefined();
          // The expression reads the answer's body; on the answer's own example it finds a value the
          // target parameter accepts.
          const pointer = /^\$response\.body#(\/.*)$/.exec(expression)?.[1];
          expect(pointer, `${where}: ${expression}`).toBeDefined();
          const value = pointer!
            .slice(1)
            .split('/')
            .reduce<unknown>(
              (node, key) => (node as Record<string, unknown> | undefined)?.[key],
              response.content?.['application/json']?.example,
            );
          expect(value, `${where}: ${expression} on the example`).toEqual(expect.any(String));
          if (p!.schema.pattern) expect(value, where).toMatch(new RegExp(p!.schema.pattern));
        }
      }
    },
  );

  it('are the same in both documents', () => {
    const shape = (d: Doc) => linksOf(d).map(({ from, status, link }) => [from.operationId, status, link]);
    expect(shape(doc30)).toEqual(shape(doc));
  });
});

describe('OpenAPI 3.0.3 rendition', () => {
  it('passes an OpenAPI 3.0 schema validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc30);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.0');
    expect(doc30.openapi).toBe('3.0.3');
  });

  it('has the same operations, responses and shared components as the 3.1 document', () => {
    const shape = (d: Doc) =>
      operations(d).map(([id, op]) => [id, op.operationId, op.deprecated, Object.keys(op.responses)]);
    expect(shape(doc30)).toEqual(shape(doc));
    expect(Object.keys(doc30.components.schemas)).toEqual(Object.keys(doc.components.schemas));
    expect(Object.keys(doc30.components.responses)).toEqual(Object.keys(doc.components.responses));
  });

  it('says null the 3.0 way', () => {
    const text = JSON.stringify(doc30);
    expect(text).not.toContain('"null"');
    expect(text).not.toContain('"const"');
    expect(text).not.toContain('"examples":[');
    expect(text).toContain('"nullable":true');
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
