import { FILE_TYPES, fileTypeForName, type FileType } from '@taskvault/contract';
import { fileTypeFromBuffer } from 'file-type';
import { AppError } from '../../core/errors.ts';
import type { Inspection } from './content-inspector.ts';

/** What file-type calls the binary formats of the table: a text file detected as one of them is refused. */
const BINARY_EXTENSIONS = new Set<string>(
  Object.values(FILE_TYPES).flatMap((t): readonly string[] => (t.kind === 'binary' ? t.detectedAs : [])),
);

/** "a pdf file", "an exe file". */
const aFile = (ext: string) => `${/^[aeiou]/.test(ext) ? 'an' : 'a'} ${ext} file`;

const describe = (allowed: readonly FileType[]) =>
  allowed.map((t) => FILE_TYPES[t].extensions.map((e) => `.${e}`).join('/')).join(', ');

export const unsupportedType = (reason: string, allowed: readonly FileType[]) =>
  new AppError('UNSUPPORTED_FILE_TYPE', `${reason}. Allowed: ${describe(allowed)}.`);

/** The allowed type a name claims, or UNSUPPORTED_FILE_TYPE. Checked before a byte is stored. */
export function claimedType(name: string, allowed: readonly FileType[]): FileType {
  const type = fileTypeForName(name, allowed);
  if (!type)
    throw unsupportedType(
      name.includes('.') ? `Files like "${name}" are not accepted` : `"${name}" has no file extension`,
      allowed,
    );
  return type;
}

/**
 * Whether the content is what its name claims. Binary types: the magic bytes must say so. Text types: valid
 * UTF-8, no NUL byte, and not one of the table's binary formats (a PDF can be plain ASCII, but it is not a .txt).
 */
export async function checkContent(
  name: string,
  type: FileType,
  inspection: Inspection,
  allowed: readonly FileType[],
): Promise<void> {
  const spec = FILE_TYPES[type];
  const detected = await fileTypeFromBuffer(inspection.head);
  if (spec.kind === 'binary') {
    if (detected && (spec.detectedAs as readonly string[]).includes(detected.ext)) return;
    const what = detected ? aFile(detected.ext) : 'not a recognised format';
    throw unsupportedType(`The content of "${name}" is ${what}, not ${type}`, allowed);
  }
  // Only formats we know as binary documents count against text: plenty of honest text happens to start
  // like some other signature ("BM" of a bitmap, "ID3" of an MP3) that file-type reports.
  if (detected && BINARY_EXTENSIONS.has(detected.ext))
    throw unsupportedType(`The content of "${name}" is ${aFile(detected.ext)}, not text`, allowed);
  if (!inspection.text?.validUtf8 || inspection.text.hasNul)
    throw unsupportedType(`The content of "${name}" is not UTF-8 text`, allowed);
}
