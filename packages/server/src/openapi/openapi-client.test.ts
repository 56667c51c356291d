import { contract } from '@taskvault/contract';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { contractToOpenApi } from './openapi.ts';

const run = promisify(execFile);
const tsc = path.resolve(import.meta.dirname, '../../../../node_modules/typescript/bin/tsc');

/**
 * A consumer who never sees our TypeScript: only the OpenAPI document, through openapi-typescript. Every
 * `@ts-expect-error` must hold, so a type that went loose (a status `string`, an `any` body) fails too.
 */
const consumer = `
import type { components, paths } from './schema.js';

type Task = components['schemas']['Task'];
const task: Task = {
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  title: 'Send the quarterly report',
  description: '',
  status: 'in_progress',
  priority: 'high',
  dueDate: null,
  ownerId: '5f0c1a2b-3d4e-4f60-8a7b-9c0d1e2f3a4b',
  createdAt: '2026-06-01T09:30:00.000Z',
  updatedAt: '2026-06-01T09:30:00.000Z',
  completedAt: null,
  version: 1,
};
// @ts-expect-error a status the API does not have
const wrongStatus: Task = { ...task, status: 'done' };

type TaskPage = paths['/api/v1/tasks']['get']['responses'][200]['content']['application/json'];
const page: TaskPage = {
  success: true,
  message: 'OK',
  data: { items: [task], page: { limit: 20, total: 1, nextCursor: null } },
};
// @ts-expect-error total is a number
const wrongPage: TaskPage = { ...page, data: { ...page.data, page: { limit: 20, total: '1', nextCursor: null } } };

type ListQuery = NonNullable<paths['/api/v1/tasks']['get']['parameters']['query']>;
const query: ListQuery = { limit: 10, sort: 'dueDate', order: 'asc' };
// @ts-expect-error limit is a number
const wrongQuery: ListQuery = { limit: 'ten' };

type CreateBody = NonNullable<paths['/api/v1/tasks']['post']['requestBody']>['content']['application/json'];
const body: CreateBody = { title: 'Send the quarterly report' };
// @ts-expect-error title is required
const noTitle: CreateBody = { priority: 'high' };

type NotFound = paths['/api/v1/tasks/{id}']['get']['responses'][404]['content']['application/json'];
const notFound: NotFound = { success: false, message: 'Not found', code: 'NOT_FOUND' };
// @ts-expect-error not an error code of the API
const unknownCode: NotFound = { success: false, message: 'Nope', code: 'NOPE' };

type Login = paths['/api/v1/auth/login']['post']['responses'][200]['content']['application/json'];
declare const login: Login;
const bearer: string = login.data.access;
const refresh: string | null = login.data.refresh;
// @ts-expect-error the refresh token may be null (cookie mode)
const refreshString: string = login.data.refresh;

type Upload = NonNullable<paths['/api/v1/files']['post']['requestBody']>['content']['multipart/form-data'];
const upload: Upload = { file: 'bytes', taskId: task.id };

export const used = [wrongStatus, wrongPage, query, wrongQuery, body, noTitle, notFound, unknownCode];
export const usedToo = [bearer, refresh, refreshString, upload];
`;

const info = {
  title: 'Taskvault API',
  version: '0.0.0',
  description: 'Test',
  serverUrl: 'http://localhost:3000',
};
const doc31 = contractToOpenApi(contract, info);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('a client generated from the OpenAPI document with openapi-typescript', () => {
  it.each([
    ['3.1', doc31],
    ['3.0.3', contractToOpenApi(contract, info, '3.0')],
  ])('type-checks a consumer of the OpenAPI %s document', { timeout: 60_000 }, async (_v, doc) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'taskvault-openapi-consumer-'));
    dirs.push(dir);
    const schema = astToString(await openapiTS(doc as unknown as OpenAPI3));
    writeFileSync(path.join(dir, 'schema.d.ts'), schema);
    writeFileSync(path.join(dir, 'consumer.ts'), consumer);
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    const result = await run(process.execPath, [tsc, '-p', dir]).then(
      () => '',
      (e: Error & { stdout?: string }) => e.stdout || e.message,
    );
    expect(result).toBe('');
    // The generated types know the operations by their ids too.
    expect(schema).toContain('"tasks.list"');
  });
});
