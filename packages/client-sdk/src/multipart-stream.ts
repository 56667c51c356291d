/**
 * A multipart/form-data body built as a stream, for a file that is itself a stream: FormData needs the whole
 * content up front, this sends the bytes as they are read.
 */

/**
 * A boundary for a multipart body. Not crypto.randomUUID: browsers only have it in secure contexts. A boundary
 * need only be unlikely in the content.
 */
export const randomBoundary = () =>
  `----taskvault${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

/**
 * A multipart/form-data body as a stream: the text fields, then the file part's headers, the bytes of
 * `file` as they come, and the closing boundary. Names are escaped the way browsers encode FormData.
 */
export const multipartStream = (
  boundary: string,
  fields: Array<[string, string]>,
  name: string,
  file: ReadableStream<Uint8Array>,
  onBytes: (n: number) => void,
): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder();
  const escape = (v: string) => v.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
  const head =
    fields
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${escape(name)}"\r\n` +
    'Content-Type: application/octet-stream\r\n\r\n';
  const reader = file.getReader();
  return new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(encoder.encode(head)),
    pull: async (controller) => {
      const { done, value } = await reader.read();
      if (done) {
        controller.enqueue(encoder.encode(`\r\n--${boundary}--\r\n`));
        controller.close();
      } else {
        onBytes(value.byteLength);
        controller.enqueue(value);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
};
