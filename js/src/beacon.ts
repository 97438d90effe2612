/**
 * The last resort when the page goes away: `navigator.sendBeacon`.
 *
 * A beacon cannot carry custom headers, cannot leave cookies out (its
 * credentials mode is always `include`), cannot tell whether the collector
 * stored the batch, and, for a body whose type is not CORS-safelisted (ours
 * is `application/vnd.reticent.batch+msgpack`), cannot pass a CORS
 * preflight, so it cannot reach a cross-origin collector. It is therefore
 * used only for a same-origin endpoint, with no `headers` option, with
 * `credentials` other than `'omit'` (so it never sends cookies the site did
 * not allow), and only when the keepalive `fetch` budget is exhausted.
 *
 * @packageDocumentation
 */

import { BATCH_CONTENT_TYPE } from './transport.js';

/** Sends one body with `sendBeacon`; `true` when the browser queued it. */
export type Beacon = (batch: Uint8Array) => boolean;

/**
 * The beacon for `endpoint`, or `undefined` when the beacon cannot be used:
 * no `sendBeacon`, custom `headers`, `credentials: 'omit'`, or an endpoint
 * on another origin.
 * Reads `location` (the page's own URL, not its content) to compare origins.
 */
export function createBeacon(
  endpoint: string,
  headers: Readonly<Record<string, string>>,
  credentials: RequestCredentials,
  g: { navigator?: Navigator; location?: Location } = globalThis as never,
): Beacon | undefined {
  try {
    const nav = g.navigator;
    const loc = g.location;
    if (!nav || typeof nav.sendBeacon !== 'function' || !loc) return undefined;
    if (Object.keys(headers).length > 0 || credentials === 'omit') return undefined;
    const url = new URL(endpoint, loc.href);
    if (url.origin !== loc.origin) return undefined;
    const href = url.href;
    return (batch) => {
      try {
        return nav.sendBeacon(href, new Blob([batch as Uint8Array<ArrayBuffer>], { type: BATCH_CONTENT_TYPE }));
      } catch {
        return false;
      }
    };
  } catch {
    return undefined;
  }
}
