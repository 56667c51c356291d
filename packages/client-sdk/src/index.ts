export {
  createClient,
  type AccessTokenSource,
  type ClientOptions,
  type RefreshTransport,
  type TaskvaultClient,
} from './client.ts';
export { type DownloadOptions, type FilesClient, type UploadContent, type UploadOptions } from './files.ts';
export { type LoginInput, type SessionClient } from './session.ts';
export { memoryTokenStore, type StoredTokens, type TokenStore } from './tokens.ts';
export {
  isTaskvaultError,
  orThrow,
  TaskvaultError,
  UNEXPECTED_RESPONSE,
  type AnyResponse,
  type SuccessData,
} from './errors.ts';
// The contract's schemas and types travel with the SDK, so consumers validate forms and type their code
// against the same definitions the server uses.
export * from '@taskvault/contract';
