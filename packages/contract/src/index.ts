import { initContract } from '@ts-rest/core';
import { commonResponses } from './common/common-responses.ts';
import { systemContract } from './system/system.contract.ts';

export * from './common/index.ts';
export * from './system/system.schemas.ts';

const c = initContract();

export const API_PREFIX = '/api/v1';

/** The API's resources, as OpenAPI tags and SDK namespaces. */
export const resources = {
  system: 'Liveness and readiness of the service.',
} as const;

/** The whole API. Top-level keys are resources: OpenAPI tags, tRPC namespaces and SDK namespaces. */
export const contract = c.router(
  {
    system: systemContract,
  },
  { pathPrefix: API_PREFIX, strictStatusCodes: true, commonResponses },
);
export type Contract = typeof contract;
