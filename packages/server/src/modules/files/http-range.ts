import type { ByteRange } from '../../platform/storage/storage.ts';
import { AppError } from '../../core/errors.ts';

/**
 * The one byte range a `Range` header asks for, within a file of `size` bytes (size ≥ 1): null to send the
 * whole file (no header, a header we do not serve such as several ranges or another unit, or an `If-Range`
 * that no longer matches, as RFC 9110 §14 allows); RANGE_NOT_SATISFIABLE when it starts past the end.
 */
export function requestedRange(
  size: number,
  header: string | undefined,
  ifRange: string | undefined,
  etag: string,
): ByteRange | null {
  if (!header) return null;
  if (ifRange !== undefined && ifRange.trim() !== etag) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.replace(/\s+/g, ''));
  if (!match || (match[1] === '' && match[2] === '')) return null;
  const [first, last] = [match[1]!, match[2]!];
  let start: number;
  let end: number;
  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0) throw unsatisfiable(size);
    start = Math.max(0, size - length);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return null; // syntactically invalid: ignored
  }
  if (!Number.isSafeInteger(start) || start >= size) throw unsatisfiable(size);
  return { start, end };
}

const unsatisfiable = (size: number) =>
  new AppError('RANGE_NOT_SATISFIABLE', `The range is outside the file (${size} bytes)`, {
    headers: { 'Content-Range': `bytes */${size}` },
  });
