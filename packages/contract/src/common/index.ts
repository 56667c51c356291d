export * from './error-codes.ts';
export * from './envelope.ts';
export * from './pagination.ts';
export * from './route-meta.ts';
export * from './common-responses.ts';
