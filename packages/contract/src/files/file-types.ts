/**
 * The file types Taskvault knows how to check. The server accepts those its configuration allows
 * (`ALLOWED_FILE_TYPES`, all of these by default); clients use this table to say what is accepted before
 * an upload starts.
 *
 * `binary` types are recognised by their magic bytes: `detectedAs` lists what the content must be
 * identified as (a zip may be an Office document, which is a zip). `text` types must be valid UTF-8
 * without NUL bytes, and must not look like any binary format.
 */
export const FILE_TYPES = {
  pdf: { extensions: ['pdf'], mimeType: 'application/pdf', kind: 'binary', detectedAs: ['pdf'] },
  png: { extensions: ['png'], mimeType: 'image/png', kind: 'binary', detectedAs: ['png'] },
  jpeg: { extensions: ['jpg', 'jpeg'], mimeType: 'image/jpeg', kind: 'binary', detectedAs: ['jpg'] },
  gif: { extensions: ['gif'], mimeType: 'image/gif', kind: 'binary', detectedAs: ['gif'] },
  webp: { extensions: ['webp'], mimeType: 'image/webp', kind: 'binary', detectedAs: ['webp'] },
  txt: { extensions: ['txt'], mimeType: 'text/plain', kind: 'text', detectedAs: [] },
  csv: { extensions: ['csv'], mimeType: 'text/csv', kind: 'text', detectedAs: [] },
  md: { extensions: ['md', 'markdown'], mimeType: 'text/markdown', kind: 'text', detectedAs: [] },
  json: { extensions: ['json'], mimeType: 'application/json', kind: 'text', detectedAs: [] },
  docx: {
    extensions: ['docx'],
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    kind: 'binary',
    detectedAs: ['docx'],
  },
  xlsx: {
    extensions: ['xlsx'],
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    kind: 'binary',
    detectedAs: ['xlsx'],
  },
  pptx: {
    extensions: ['pptx'],
    mimeType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    kind: 'binary',
    detectedAs: ['pptx'],
  },
  zip: {
    extensions: ['zip'],
    mimeType: 'application/zip',
    kind: 'binary',
    detectedAs: ['zip', 'docx', 'xlsx', 'pptx'],
  },
} as const satisfies Record<
  string,
  { extensions: readonly string[]; mimeType: string; kind: 'binary' | 'text'; detectedAs: readonly string[] }
>;

export type FileType = keyof typeof FILE_TYPES;
export const FILE_TYPE_NAMES = Object.keys(FILE_TYPES) as [FileType, ...FileType[]];

/** The type a file name's extension claims, among `allowed`; undefined when there is none. */
export function fileTypeForName(
  name: string,
  allowed: readonly FileType[] = FILE_TYPE_NAMES,
): FileType | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return undefined;
  const ext = name.slice(dot + 1).toLowerCase();
  return allowed.find((t) => (FILE_TYPES[t].extensions as readonly string[]).includes(ext));
}
