import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';

/** How much of the start of a file the type detection sees: enough for magic bytes and an OOXML zip's first entries. */
export const HEAD_BYTES = 64 * 1024;

export type Inspection = {
  sha256: string;
  /** The first `HEAD_BYTES` bytes (fewer for a smaller file). */
  head: Buffer;
  /** Only checked when asked for (text types): valid UTF-8 throughout and no NUL byte. */
  text: { validUtf8: boolean; hasNul: boolean } | undefined;
};

/**
 * Passes an upload through unchanged while learning what the type check needs: its SHA-256, its first
 * bytes and, for text types, whether it is valid UTF-8 without NUL bytes. Works in one pass with bounded
 * memory, so the content never has to be read back from storage.
 */
export class ContentInspector extends Transform {
  readonly #hash = createHash('sha256');
  readonly #head: Buffer[] = [];
  #headLength = 0;
  readonly #checkText: boolean;
  #validUtf8 = true;
  #hasNul = false;
  /** The bytes of a character cut by a chunk boundary, completed by the next chunk. */
  #carry: Buffer = Buffer.alloc(0);
  #result: Inspection | undefined;

  constructor(options: { checkText: boolean }) {
    super();
    this.#checkText = options.checkText;
  }

  /** Available once the stream has ended. */
  get result(): Inspection {
    if (!this.#result) throw new Error('The content has not been read to its end yet');
    return this.#result;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    if (this.#headLength < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.#headLength);
      this.#head.push(Buffer.from(part));
      this.#headLength += part.length;
    }
    if (this.#checkText && this.#validUtf8) this.#checkChunk(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    // A character still waiting for its last bytes at the end is a truncated one.
    if (this.#carry.length > 0) this.#validUtf8 = false;
    this.#result = {
      sha256: this.#hash.digest('hex'),
      head: Buffer.concat(this.#head, this.#headLength),
      text: this.#checkText ? { validUtf8: this.#validUtf8, hasNul: this.#hasNul } : undefined,
    };
    callback();
  }

  #checkChunk(chunk: Buffer): void {
    if (chunk.includes(0)) this.#hasNul = true;
    const data = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    const cut = incompleteTailStart(data);
    if (!isUtf8(data.subarray(0, cut))) this.#validUtf8 = false;
    this.#carry = Buffer.from(data.subarray(cut));
  }
}

/** Where a multi-byte character that the buffer cuts short begins (the buffer's length when none is). */
function incompleteTailStart(data: Buffer): number {
  for (let i = data.length - 1; i >= 0 && i >= data.length - 4; i--) {
    const byte = data[i]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + length > data.length ? i : data.length;
  }
  return data.length;
}
