export {
  createClient,
  type AccessTokenSource,
  type ClientOptions,
  type DownloadOptions,
  type FilesClient,
  type LoginInput,
  type RefreshTransport,
  type SessionClient,
  type TaskvaultClient,
  type UploadContent,
  type UploadOptions,
} from './client.ts';
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
