const MAX_NAME_LENGTH = 200;
/**
 * Control characters, line separators, and the invisible formatting characters that can disguise a name:
 * bidirectional overrides and isolates, marks, zero-width space, word joiner and friends, byte order mark.
 * Zero-width (non-)joiners stay: Persian words and emoji sequences need them.
 */
const INVISIBLE =
  /[\p{Cc}\p{Zl}\p{Zp}\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u206F\uFEFF]/gu;

/**
 * The client's file name made safe to keep and show: Unicode-normalised; only its last path segment (some
 * browsers send `C:\fakepath\x.pdf`); without control or invisible formatting characters (a right-to-left
 * override can make `gpj.exe` read as `exe.jpg`); whitespace collapsed; at most 200 characters, cut before
 * the extension rather than through it. Never used as a path: blobs are stored under generated ids.
 */
export function cleanFileName(raw: string): string {
  const segment = raw.normalize('NFC').split(/[/\\]/).at(-1) ?? '';
  const name = segment.replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim();
  const chars = [...name];
  if (chars.length <= MAX_NAME_LENGTH) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? [...name.slice(dot)] : [];
  if (ext.length > 20) return chars.slice(0, MAX_NAME_LENGTH).join('');
  return (
    chars
      .slice(0, MAX_NAME_LENGTH - ext.length)
      .join('')
      .trimEnd() + ext.join('')
  );
}

/**
 * `Content-Disposition: attachment` with both forms of the name: an ASCII fallback for old clients (anything
 * else, quotes and backslashes become `_`) and the exact name as RFC 5987 `filename*`.
 */
export function attachmentDisposition(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
