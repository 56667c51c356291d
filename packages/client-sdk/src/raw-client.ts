/**
 * The ts-rest client of the whole contract: every route as a typed call. The SDK's client is this one with
 * `files` and `session` completed; its types name the answers the hand-written calls give too.
 */
import { initClient, type ApiFetcher } from '@ts-rest/core';
import { contract } from '@taskvault/contract';

/** The ts-rest client of the whole contract, over `api`. */
export const rawClient = (baseUrl: string, api: ApiFetcher) =>
  initClient(contract, { baseUrl, baseHeaders: {}, api });

export type RawClient = ReturnType<typeof rawClient>;

/** The answers of `files.upload`, as the ts-rest call types them (the XHR and stream uploads give the same). */
export type UploadAnswer = Awaited<ReturnType<RawClient['files']['upload']>>;
