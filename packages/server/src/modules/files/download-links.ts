import { API_PREFIX, type DownloadLink } from '@taskvault/contract';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../core/errors.ts';

/**
 * Links to a file's content that need no bearer token: `…/files/<id>/content?expires=<unix>&signature=<mac>`,
 * the MAC an HMAC-SHA256 over the file id and the expiry. Nothing is stored; a link works until it expires
 * or its file is deleted. The signature is checked before the expiry, so an altered expiry is a forgery
 * (403), not an expired link (410).
 */
export class DownloadLinks {
  readonly #key: string;
  readonly #ttlSeconds: number;
  readonly #publicUrl: string;
  readonly #now: () => number;

  constructor(options: { secret: string; ttlSeconds: number; publicUrl: string; now?: () => number }) {
    // A key of its own: a MAC made for one purpose must never verify for another.
    this.#key = `${options.secret}:file-download-links`;
    this.#ttlSeconds = options.ttlSeconds;
    this.#publicUrl = options.publicUrl;
    this.#now = options.now ?? Date.now;
  }

  make(fileId: string): DownloadLink {
    const expires = Math.floor(this.#now() / 1000) + this.#ttlSeconds;
    const query = new URLSearchParams({ expires: String(expires), signature: this.#mac(fileId, expires) });
    return {
      url: `${this.#publicUrl}${API_PREFIX}/files/${fileId}/content?${query.toString()}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /** Throws INVALID_SIGNATURE for a link this server did not make, LINK_EXPIRED for one past its time. */
  verify(fileId: string, expires: number, signature: string): void {
    const expected = Buffer.from(this.#mac(fileId.toLowerCase(), expires));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      throw new AppError('INVALID_SIGNATURE', 'This download link is not valid');
    if (Math.floor(this.#now() / 1000) >= expires)
      throw new AppError('LINK_EXPIRED', 'This download link has expired; ask for a new one');
  }

  #mac(fileId: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${fileId}\n${expires}`).digest('base64url');
  }
}
