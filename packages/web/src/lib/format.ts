const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** An instant (`2026-05-01T10:00:00.000Z`) in the reader's time zone. */
export const formatDateTime = (iso: string): string => dateTime.format(new Date(iso));

/** A calendar date (`2026-05-01`) as that same day, wherever the reader is. */
export const formatDay = (date: string): string => day.format(new Date(`${date}T00:00:00Z`));

/** Today as the server counts it (UTC), `YYYY-MM-DD`. */
export const todayUtc = (): string => new Date().toISOString().slice(0, 10);

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/**
 * A size in bytes as people read it, in binary units as the server counts them: `532 bytes`, `1.2 MiB`,
 * `1 GiB`, `25 MiB`. One decimal below 10 of a unit, none above (and no `.0`).
 */
export function formatSize(bytes: number): string {
  if (bytes === 1) return '1 byte';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} bytes`;
  let rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  // 1023.7 KiB rounds up to the next unit.
  if (rounded >= 1024 && unit < UNITS.length - 1) {
    rounded = 1;
    unit++;
  }
  return `${rounded} ${UNITS[unit]}`;
}
