import type { PageInfo } from '@taskvault/contract';
import { validationError } from '../../core/errors.ts';
import { isUuid } from './sql.ts';

/**
 * Where a page ended: the sort key of its last row and the id that breaks ties; `s` names the ordering the
 * cursor belongs to, so a cursor is not silently reused under another one.
 */
export type Cursor = { s?: string; k: string | number | null; id: string };

/** Opaque to clients: base64url JSON they hand back as `cursor`. */
export const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

export function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor>;
    // A cursor is input too: NUL characters would reach the database from inside the base64.
    const keyOk =
      c.k === null || (typeof c.k === 'string' && !c.k.includes('\u0000')) || typeof c.k === 'number';
    const sortOk = c.s === undefined || typeof c.s === 'string';
    // Rows are keyed by uuids: a cursor naming anything else was not made by us.
    if (keyOk && sortOk && typeof c.id === 'string' && isUuid(c.id))
      return { ...(c.s ? { s: c.s } : {}), k: c.k!, id: c.id };
  } catch {
    // fall through: any decoding failure is the same bad cursor
  }
  throw validationError({ cursor: ['Invalid cursor'] });
}

/** A cursor's timestamp key: a real time between 1970 and 9999, which PostgreSQL and ISO strings both hold. */
export function cursorTimestamp(k: Cursor['k']): Date | undefined {
  const at = typeof k === 'string' ? new Date(k) : null;
  const year = at?.getUTCFullYear() ?? NaN;
  return at && year >= 1970 && year <= 9999 ? at : undefined;
}

/**
 * The keyset condition for the rows strictly after `(key, id)` when ordering by `column` then `id`, both in
 * `dir`: a later key, or the same key and a later id.
 */
export const keysetAfter = (column: string, dir: 'asc' | 'desc', key: unknown, id: string) => {
  const beyond = dir === 'asc' ? '$gt' : '$lt';
  return { $or: [{ [column]: { [beyond]: key } }, { [column]: key, id: { [beyond]: id } }] };
};

export const pageInfo = (limit: number, total: number, nextCursor: string | null): PageInfo => ({
  limit,
  total,
  nextCursor,
});
