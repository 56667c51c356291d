export { createClient, type ClientOptions, type AccessTokenSource, type TaskvaultClient } from './client.ts';
// The contract's schemas and types travel with the SDK, so consumers validate forms and type their code
// against the same definitions the server uses.
export * from '@taskvault/contract';
