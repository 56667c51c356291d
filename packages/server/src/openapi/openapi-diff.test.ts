/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   the before/after pairs are plain JSON, edited in place. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocuments } from './documents.ts';
import { breakingChanges, gateOf, majorRaised, type BreakKind } from './openapi-diff.ts';

type Json = Record<string, unknown>;

/**
 * A small API in the contract's style (envelope responses, shared components, `$ref`s), as the "before" of
 * every pair; `change` edits a deep copy into the "after".
 */
const base = (): Json => ({
  openapi: '3.1.0',
  info: { title: 'T', version: '0.1.0' },
  paths: {
    '/tasks': {
      get: {
        operationId: 'tasks.list',
        parameters: [
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } },
          {
            name: 'status',
            in: 'query',
            required: false,
            schema: { $ref: '#/components/schemas/TaskStatus' },
          },
        ],
        responses: {
          '200': {
            description: 'OK',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    success: { type: 'boolean', const: true },
                    data: {
                      type: 'object',
                      properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Task' } } },
                      required: ['items'],
                    },
                  },
                  required: ['success', 'data'],
                },
              },
            },
          },
          '400': { $ref: '#/components/responses/BadRequest' },
        },
      },
      post: {
        operationId: 'tasks.create',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  title: { type: 'string', minLength: 3 },
                  priority: { $ref: '#/components/schemas/TaskPriority' },
                },
                required: ['title'],
                additionalProperties: false,
              },
            },
          },
        },
        responses: {
          '201': {
            description: 'Created',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Task' } } },
          },
        },
      },
    },
    '/tasks/{id}': {
      delete: {
        operationId: 'tasks.remove',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        responses: { '204': { description: 'No Content' } },
      },
    },
  },
  components: {
    schemas: {
      Task: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          status: { $ref: '#/components/schemas/TaskStatus' },
          dueDate: { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }] },
          version: { type: 'integer' },
        },
        required: ['id', 'title', 'status', 'dueDate', 'version'],
      },
      TaskStatus: { type: 'string', enum: ['pending', 'in_progress', 'completed'] },
      TaskPriority: { type: 'string', enum: ['low', 'medium', 'high'] },
    },
    responses: {
      BadRequest: {
        description: 'Bad Request',
        content: { 'application/json': { schema: { type: 'object' } } },
      },
    },
  },
});

const change = (edit: (doc: any) => void): [Json, Json] => {
  const before = base();
  const after = structuredClone(before);
  edit(after);
  return [before, after];
};
const taskList = (doc: any) => doc.paths['/tasks'].get;
const createBody = (doc: any) => doc.paths['/tasks'].post.requestBody.content['application/json'].schema;
const Task = (doc: any) => doc.components.schemas.Task;

const kinds = ([before, after]: [Json, Json]) => breakingChanges(before, after).map((b) => b.kind);

describe('breakingChanges: each kind of break is detected', () => {
  const pairs: Array<[string, [Json, Json], BreakKind, string]> = [
    [
      'removed operation',
      change((d) => delete d.paths['/tasks/{id}'].delete),
      'operation-removed',
      'DELETE /tasks/{id}',
    ],
    [
      'removed response field (in a shared component, through an array)',
      change((d) => {
        delete Task(d).properties.version;
        Task(d).required = ['id', 'title', 'status', 'dueDate'];
      }),
      'response-property-removed',
      'GET /tasks › 200 response › data.items[].version',
    ],
    [
      'renamed response field',
      change((d) => {
        Task(d).properties.name = Task(d).properties.title;
        delete Task(d).properties.title;
        Task(d).required = ['id', 'name', 'status', 'dueDate', 'version'];
      }),
      'response-property-renamed',
      'POST /tasks › 201 response › title',
    ],
    [
      'new required body field',
      change((d) => {
        createBody(d).properties.projectId = { type: 'string' };
        createBody(d).required = ['title', 'projectId'];
      }),
      'request-property-added-required',
      'POST /tasks › request body (application/json) › projectId',
    ],
    [
      'new required query parameter',
      change((d) =>
        taskList(d).parameters.push({
          name: 'scope',
          in: 'query',
          required: true,
          schema: { type: 'string' },
        }),
      ),
      'parameter-added-required',
      'GET /tasks › query parameter `scope`',
    ],
    [
      'optional body field becoming required',
      change((d) => (createBody(d).required = ['title', 'priority'])),
      'request-property-became-required',
      'POST /tasks › request body (application/json) › priority',
    ],
    [
      'optional parameter becoming required',
      change((d) => (taskList(d).parameters[0].required = true)),
      'parameter-became-required',
      'GET /tasks › query parameter `limit`',
    ],
    [
      'narrowed enum (a response value and a request value, via one shared component)',
      change((d) => (d.components.schemas.TaskStatus.enum = ['pending', 'completed'])),
      'enum-narrowed',
      'GET /tasks › query parameter `status`',
    ],
    [
      'changed type of a response field',
      change((d) => (Task(d).properties.version = { type: 'string' })),
      'type-changed',
      'GET /tasks › 200 response › data.items[].version',
    ],
    [
      'changed type of a request field',
      change((d) => (createBody(d).properties.title = { type: 'integer' })),
      'type-changed',
      'POST /tasks › request body (application/json) › title',
    ],
    [
      'response field becoming optional',
      change((d) => (Task(d).required = ['id', 'status', 'dueDate', 'version'])),
      'response-property-optional',
      'POST /tasks › 201 response › title',
    ],
    [
      'removed 2xx response',
      change((d) => {
        d.paths['/tasks'].post.responses = { '200': d.paths['/tasks'].post.responses['201'] };
      }),
      'response-removed',
      'POST /tasks › 201 response',
    ],
  ];

  it.each(pairs)('%s', (_name, pair, kind, where) => {
    const breaks = breakingChanges(...pair);
    expect(breaks).toContainEqual(expect.objectContaining({ kind, where }));
    for (const b of breaks) expect(b.detail).toBeTruthy();
    expect(gateOf(...pair).pass).toBe(false);
  });

  it('reports each place a shared enum is used, in responses and requests', () => {
    const breaks = breakingChanges(
      ...change((d) => (d.components.schemas.TaskStatus.enum = ['pending', 'completed'])),
    );
    expect(breaks.map((b) => b.where).sort()).toEqual([
      'GET /tasks › 200 response › data.items[].status',
      'GET /tasks › query parameter `status`',
      'POST /tasks › 201 response › status',
    ]);
    expect(breaks[0]!.detail).toBe('value "in_progress" removed');
  });

  it('finds properties through allOf, anyOf and oneOf', () => {
    const wrapped = (doc: any, key: 'allOf' | 'anyOf' | 'oneOf') => {
      doc.components.schemas.Task = { [key]: [Task(doc), ...(key === 'allOf' ? [] : [{ type: 'null' }])] };
    };
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const before = base();
      wrapped(before, key);
      const after = structuredClone(before);
      delete (after as any).components.schemas.Task[key][0].properties.version;
      expect(kinds([before, after]), key).toContain('response-property-removed');
    }
  });

  it('a response field becoming nullable is a type change; a request field becoming nullable is not', () => {
    expect(kinds(change((d) => (Task(d).properties.title = { type: ['string', 'null'] })))).toEqual([
      'type-changed',
      'type-changed',
    ]);
    expect(kinds(change((d) => (createBody(d).properties.title = { type: ['string', 'null'] })))).toEqual([]);
  });

  it('removing a request field is a break only where unknown fields are refused', () => {
    expect(kinds(change((d) => delete createBody(d).properties.priority))).toEqual([
      'request-property-removed',
    ]);
    expect(
      kinds(
        change((d) => {
          delete createBody(d).properties.priority;
          delete createBody(d).additionalProperties;
        }),
      ),
    ).toEqual([]);
  });
});

describe('breakingChanges: additions pass', () => {
  const additions: Array<[string, [Json, Json]]> = [
    ['identical documents', change(() => {})],
    [
      'new operation',
      change(
        (d) =>
          (d.paths['/tasks/{id}'].get = {
            operationId: 'tasks.get',
            responses: { '200': { description: 'OK' } },
          }),
      ),
    ],
    [
      'new optional body field',
      change((d) => (createBody(d).properties.description = { type: 'string', default: '' })),
    ],
    [
      'new optional query parameter',
      change((d) =>
        taskList(d).parameters.push({
          name: 'search',
          in: 'query',
          required: false,
          schema: { type: 'string' },
        }),
      ),
    ],
    [
      'new response field',
      change((d) => {
        Task(d).properties.completedAt = { anyOf: [{ type: 'string' }, { type: 'null' }] };
        Task(d).required.push('completedAt');
      }),
    ],
    ['widened enum', change((d) => d.components.schemas.TaskPriority.enum.push('urgent'))],
    [
      'request field accepting a wider type',
      change((d) => (createBody(d).properties.title = { type: ['string', 'integer'] })),
    ],
    [
      'response integer documented as integer instead of number',
      change((d) => (Task(d).properties.version = { type: 'integer', minimum: 1 })),
    ],
    [
      'a schema moved into a component',
      change((d) => {
        d.components.schemas.CreateTask = createBody(d);
        d.paths['/tasks'].post.requestBody.content['application/json'].schema = {
          $ref: '#/components/schemas/CreateTask',
        };
      }),
    ],
    [
      'descriptions, examples and bounds',
      change(
        (d) =>
          (createBody(d).properties.title = {
            type: 'string',
            minLength: 1,
            description: 'x',
            examples: ['y'],
          }),
      ),
    ],
  ];

  it.each(additions)('%s', (_name, pair) => {
    expect(breakingChanges(...pair)).toEqual([]);
    expect(gateOf(...pair).pass).toBe(true);
  });

  it('terminates on recursive schemas', () => {
    const pair = change((d) => {
      Task(d).properties.subtasks = { type: 'array', items: { $ref: '#/components/schemas/Task' } };
    });
    (pair[0] as any).components.schemas.Task.properties.subtasks = {
      type: 'array',
      items: { $ref: '#/components/schemas/Task' },
    };
    expect(breakingChanges(...pair)).toEqual([]);
  });
});

describe('gateOf: a new major version lets breaks through', () => {
  const removal = (version: string) =>
    change((d) => {
      delete d.paths['/tasks/{id}'].delete;
      (d.info as Json).version = version;
    });

  it('0.x: a new minor version is a new major one (semver 0.y.z), a patch is not', () => {
    expect(gateOf(...removal('0.2.0'))).toMatchObject({ pass: true, versionRaised: true });
    expect(gateOf(...removal('0.1.1'))).toMatchObject({ pass: false, versionRaised: false });
    expect(gateOf(...removal('1.0.0'))).toMatchObject({ pass: true, versionRaised: true });
    // The breaks are still listed, for the changelog.
    expect(gateOf(...removal('0.2.0')).breaks).toHaveLength(1);
  });

  it('1.x and later: only the major number counts', () => {
    expect(majorRaised('1.4.2', '2.0.0')).toBe(true);
    expect(majorRaised('1.4.2', '1.5.0')).toBe(false);
    expect(majorRaised('2.0.0', '1.9.0')).toBe(false);
    expect(majorRaised('0.3.0', '0.2.9')).toBe(false);
    expect(majorRaised('1.0.0', 'next')).toBe(false);
  });
});

describe('the published contract', () => {
  const published = JSON.parse(
    readFileSync(new URL('../../../../docs/openapi.json', import.meta.url), 'utf8'),
  ) as Json;
  const current = buildOpenApiDocuments().v31 as unknown as Json;

  it('docs/openapi.json has no break against the current contract (npm run openapi:check)', () => {
    expect(breakingChanges(published, current)).toEqual([]);
  });

  it('the real document: removing a field of a shared schema is caught wherever it is answered', () => {
    const after = structuredClone(current) as any;
    delete after.components.schemas.Task.properties.title;
    after.components.schemas.Task.required = after.components.schemas.Task.required.filter(
      (n: string) => n !== 'title',
    );
    const breaks = breakingChanges(current, after as Json);
    expect(breaks.length).toBeGreaterThan(3);
    expect(new Set(breaks.map((b) => b.kind))).toEqual(new Set(['response-property-removed']));
    expect(breaks.map((b) => b.where)).toContain('PUT /api/v1/tasks/{id} › 200 response › data.title');
  });
});
