import type { TRPCMutationProcedure, TRPCQueryProcedure } from '@trpc/server';
import type { AppRoute, AppRouter } from '@ts-rest/core';
import type { z } from 'zod';

// ---- the tRPC router's type, derived from the contract ----
// Types only: the server builds the router from these, and clients (the SDK's `@taskvault/sdk/trpc`) are typed
// from them without any server code.
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type InputShape<R extends AppRoute> = Simplify<
  (R['pathParams'] extends z.ZodType ? { params: z.input<R['pathParams']> } : {}) &
    (R extends { query: infer Q extends z.ZodType } ? { query: z.input<Q> } : {}) &
    (R extends { body: infer B extends z.ZodType } ? { body: z.input<B> } : {})
>;
type InputOf<R extends AppRoute> = keyof InputShape<R> extends never ? void : InputShape<R>;
type SuccessStatus = 200 | 201 | 202 | 204;
type OutputOf<R extends AppRoute> = R['responses'][Extract<
  keyof R['responses'],
  SuccessStatus
>] extends infer S
  ? S extends z.ZodType
    ? z.output<S>
    : S
  : never;
type ProcedureOf<R extends AppRoute> = R['method'] extends 'GET'
  ? TRPCQueryProcedure<{ meta: object; input: InputOf<R>; output: OutputOf<R> }>
  : TRPCMutationProcedure<{ meta: object; input: InputOf<R>; output: OutputOf<R> }>;
type IsRestOnly<R> = R extends { metadata: { restOnly: true } } ? true : false;
export type ProceduresOf<C extends AppRouter> = {
  [
    K in keyof C as C[K] extends AppRoute ? (IsRestOnly<C[K]> extends true ? never : K) : K
  ]: C[K] extends AppRoute ? ProcedureOf<C[K]> : C[K] extends AppRouter ? ProceduresOf<C[K]> : never;
};
