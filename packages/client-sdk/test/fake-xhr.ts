/**
 * Enough of a browser's XMLHttpRequest for the SDK's upload path, over Node's fetch and real HTTP: the body is
 * streamed out in 16 KiB pieces and `upload.onprogress` fires as each piece is taken by the connection.
 */
export class FakeXMLHttpRequest {
  /** Every request sent, in order. */
  static readonly sent: Array<{ method: string; url: string; authorization: string | null }> = [];

  readonly upload: {
    onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null;
  } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  status = 0;
  responseText = '';

  #method = 'GET';
  #url = '';
  #headers = new Headers();
  #response = new Headers();
  readonly #abort = new AbortController();

  open(method: string, url: string): void {
    this.#method = method;
    this.#url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.#headers.set(name, value);
  }

  getResponseHeader(name: string): string | null {
    return this.#response.get(name);
  }

  getAllResponseHeaders(): string {
    return [...this.#response].map(([k, v]) => `${k}: ${v}\r\n`).join('');
  }

  abort(): void {
    this.#abort.abort();
  }

  send(body: FormData): void {
    FakeXMLHttpRequest.sent.push({
      method: this.#method,
      url: this.#url,
      authorization: this.#headers.get('authorization'),
    });
    void this.#send(body);
  }

  async #send(form: FormData): Promise<void> {
    // The multipart encoding a browser would send, with its boundary.
    const encoded = new Request('http://encoder.invalid', { method: 'POST', body: form });
    const bytes = new Uint8Array(await encoded.arrayBuffer());
    this.#headers.set('content-type', encoded.headers.get('content-type')!);
    const piece = 16 * 1024;
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        if (offset >= bytes.length) return controller.close();
        const next = bytes.subarray(offset, offset + piece);
        offset += next.length;
        controller.enqueue(next);
        this.upload.onprogress?.({ loaded: offset, total: bytes.length, lengthComputable: true });
      },
    });
    try {
      const res = await fetch(this.#url, {
        method: this.#method,
        headers: this.#headers,
        body,
        signal: this.#abort.signal,
        duplex: 'half',
      } as RequestInit);
      this.responseText = await res.text();
      this.status = res.status;
      this.#response = res.headers;
      this.onload?.();
    } catch {
      if (this.#abort.signal.aborted) this.onabort?.();
      else this.onerror?.();
    }
  }
}
