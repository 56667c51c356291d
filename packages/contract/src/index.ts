import { initContract } from '@ts-rest/core';
import { authContract } from './auth/auth.contract.ts';
import { commonResponses } from './common/common-responses.ts';
import { filesContract } from './files/files.contract.ts';
import { legacyContract } from './legacy/legacy.contract.ts';
import { systemContract } from './system/system.contract.ts';
import { tasksContract } from './tasks/tasks.contract.ts';
import { usersContract } from './users/users.contract.ts';

export * from './common/index.ts';
export * from './contract-routes.ts';
export * from './system/system.schemas.ts';
export * from './auth/auth.schemas.ts';
export * from './users/users.schemas.ts';
export * from './tasks/tasks.schemas.ts';
export * from './files/file-types.ts';
export * from './files/files.schemas.ts';
export type * from './trpc-types.ts';

const c = initContract();

export const API_PREFIX = '/api/v1';

/** The API's resources, as OpenAPI tags and SDK namespaces. */
export const resources = {
  system: 'Liveness and readiness of the service.',
  auth: 'Accounts and sessions: registration, email verification, login with rotating refresh tokens, profile.',
  users: 'Administration of accounts (administrators only).',
  tasks:
    'Tasks: yours, with filters, ordering, pages, statistics and safe concurrent edits; all of them for administrators.',
  files:
    'Files: streamed uploads checked by content, lists, signed download links, attachment to tasks; REST only for the content itself.',
  legacy: "The file-sharing API's original paths, deprecated in favour of /api/v1.",
} as const;

const v1 = c.router(
  {
    system: systemContract,
    auth: authContract,
    users: usersContract,
    tasks: tasksContract,
    files: filesContract,
  },
  { pathPrefix: API_PREFIX, strictStatusCodes: true, commonResponses },
);
const legacy = c.router(
  { legacy: legacyContract },
  { pathPrefix: '/api', strictStatusCodes: true, commonResponses },
);

/** The whole API. Top-level keys are resources: OpenAPI tags, tRPC namespaces and SDK namespaces. */
export const contract = { ...v1, ...legacy };
export type Contract = typeof contract;
