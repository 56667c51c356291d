import { DependencyUnavailableError } from '../dependency.ts';

/**
 * SQLSTATE classes that mean "the database cannot serve right now", not "this query is wrong":
 * 08 connection exception, 53 insufficient resources (too many connections, disk full), 57 operator
 * intervention (57014 a statement cancelled by `statement_timeout`, 57P01-03 shutting down or starting up),
 * 3D the database does not exist (dropped under us), 28 the credentials were refused.
 */
const UNAVAILABLE_SQLSTATE_CLASSES = new Set(['08', '53', '57', '3D', '28']);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** What pg, pg-pool and PGlite say when the connection, not the query, is the problem. */
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /query read timeout/i,
  /is not queryable/i,
  /cannot use a pool after calling end/i,
  /pglite is closed/i,
  /connection (is )?(closed|ended)/i,
];

type ErrorLike = { code?: unknown; message?: unknown; cause?: unknown };

const reasonOf = (err: ErrorLike): string | undefined => {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const message = typeof err.message === 'string' ? err.message : '';
  if (code && /^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE_CLASSES.has(code.slice(0, 2)))
    return code === '57014' ? 'a statement ran past its timeout' : `SQLSTATE ${code}`;
  if (code && NETWORK_CODES.has(code)) return code;
  if (UNAVAILABLE_MESSAGES.some((m) => m.test(message))) return message.split('\n')[0];
  return undefined;
};

/**
 * The database failing as a dependency (unreachable, frozen, restarting, out of connections, a statement
 * cut by its timeout), as opposed to a bug or a constraint; undefined for anything else. MikroORM wraps
 * driver errors but keeps their `code`; pool errors arrive bare; either may carry the original as `cause`.
 */
export function databaseUnavailable(err: unknown): DependencyUnavailableError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    if (current instanceof DependencyUnavailableError) return current;
    const reason = reasonOf(current);
    if (reason) return new DependencyUnavailableError('database', reason, { cause: err });
    current = (current as ErrorLike).cause;
  }
  return undefined;
}
