/**
 * Moves batches to the collector: one POST per batch.
 *
 * The transport only ever sees bytes the WebAssembly core produced (already
 * masked, encoded and compressed). This first version sends each batch once;
 * retry with backoff and a bounded queue will wrap {@link Send} without
 * changing its shape.
 *
 * @packageDocumentation
 */

/**
 * Sends one batch. Resolves `true` when the collector answered with a 2xx
 * status, `false` on any failure (network error, CORS refusal, non-2xx).
 * Never rejects and never throws.
 */
export type Send = (batch: Uint8Array) => Promise<boolean>;

/**
 * The media type of a batch body.
 *
 * The body IS a gzip file (gzip'd MessagePack), so no `Content-Encoding`
 * header is set: that header would invite proxies and servers to decompress
 * the body before the collector sees it. The collector gunzips the body
 * itself, with its own size caps.
 */
export const BATCH_CONTENT_TYPE = 'application/vnd.reticent.batch+msgpack';

/**
 * Bodies smaller than this many bytes are sent with `keepalive: true`, so a
 * send started as the page goes away still completes. Browsers cap the total
 * of in-flight keepalive bodies at 64 KiB, so larger bodies go without it.
 */
export const KEEPALIVE_MAX_BYTES = 60 * 1024;

/** What {@link createTransport} needs. */
export interface TransportOptions {
  /** Absolute URL, or relative reference resolved by `fetch` against the page's base URL. */
  readonly endpoint: string;
  /** Extra headers sent with every batch (already validated). */
  readonly headers: Readonly<Record<string, string>>;
  /** The `fetch` to use; defaults to the global one (tests inject a fake). */
  readonly fetch?: typeof fetch;
}

/**
 * Creates the {@link Send} function for an endpoint.
 *
 * Each request: `POST`, `Content-Type: application/vnd.reticent.batch+msgpack`
 * plus the caller's headers, `credentials: 'omit'` (no cookies go to the
 * collector), `referrerPolicy: 'strict-origin'` (the page's full URL, whose
 * query may hold personal data, is never sent as `Referer`), `cache: 'no-store'`,
 * and `keepalive` below {@link KEEPALIVE_MAX_BYTES}. The response body is not read.
 */
export function createTransport(options: TransportOptions): Send {
  const { endpoint } = options;
  const headers: Record<string, string> = { ...options.headers, 'Content-Type': BATCH_CONTENT_TYPE };
  return async (batch) => {
    try {
      const fetchFn = options.fetch ?? globalThis.fetch;
      const response = await fetchFn(endpoint, {
        method: 'POST',
        mode: 'cors',
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'strict-origin',
        keepalive: batch.byteLength < KEEPALIVE_MAX_BYTES,
        headers,
        body: batch as Uint8Array<ArrayBuffer>,
      });
      discardBody(response);
      return response.ok;
    } catch {
      return false;
    }
  };
}

function discardBody(response: Response): void {
  try {
    const body = response.body;
    if (body) body.cancel().catch(() => undefined);
  } catch {
    // Nothing to release.
  }
}
