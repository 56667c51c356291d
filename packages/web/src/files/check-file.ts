import type { FileRules } from '@taskvault/sdk';
import { formatSize } from '../lib/format.ts';

/** A file the page will not send, and why, in the user's terms. */
export type Refusal = { name: string; reason: string };

/** `pdf` for `report.PDF`; undefined without an extension (`README`, `.env`, `notes.`), as the server reads names. */
export const extensionOf = (name: string): string | undefined => {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return undefined;
  return name.slice(dot + 1).toLowerCase();
};

/** `.pdf, .png, .jpg, .jpeg, …`: every extension the server accepts. */
export const acceptedExtensions = (rules: FileRules): string[] =>
  rules.allowedTypes.flatMap((t) => t.extensions.map((e) => `.${e}`));

/**
 * Checks files against the server's rules before any byte is sent: the extension, the size limit, and the
 * room left in the quota (each accepted file takes its share of `roomLeft`, when it is known). The server
 * checks the same and more (the content must match the extension), so passing here is no guarantee.
 */
export function checkFiles(
  files: readonly File[],
  rules: FileRules,
  roomLeft: number | undefined,
): { accepted: File[]; refused: Refusal[] } {
  const accepted: File[] = [];
  const refused: Refusal[] = [];
  let room = roomLeft;
  const allowed = new Set(rules.allowedTypes.flatMap((t) => t.extensions.map((e) => e.toLowerCase())));
  for (const file of files) {
    const ext = extensionOf(file.name);
    let reason: string | undefined;
    if (ext === undefined) reason = 'It has no file extension, so its type cannot be checked.';
    else if (!allowed.has(ext)) reason = `.${ext} files are not accepted.`;
    else if (file.size === 0) reason = 'It is empty.';
    else if (file.size > rules.maxUploadBytes)
      reason = `It is ${formatSize(file.size)}; the limit is ${formatSize(rules.maxUploadBytes)} per file.`;
    else if (room !== undefined && file.size > room)
      reason = `It is ${formatSize(file.size)}, more than the ${formatSize(Math.max(0, room))} left in your storage.`;
    if (reason) refused.push({ name: file.name, reason });
    else {
      accepted.push(file);
      if (room !== undefined) room -= file.size;
    }
  }
  return { accepted, refused };
}
