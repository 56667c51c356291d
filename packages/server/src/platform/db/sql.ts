/** Every primary key is a uuid: anything else cannot name a row, and is refused before it reaches a query. */
export const isUuid = (s: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** Makes a user's search text literal inside `LIKE`/`ILIKE`: `%`, `_` and `\` match themselves. */
export const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);
