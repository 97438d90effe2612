/**
 * The script-tag build's automatic configuration: `data-*` attributes of its
 * own `<script>` element and the `window.ReticentConfig` object, turned into
 * `init()` options. Pure: the caller passes the attribute reader and the
 * global, so nothing here touches the page.
 *
 * @packageDocumentation
 */

import { ReticentError } from './errors.js';

type Kind = 'string' | 'number' | 'boolean' | 'consent' | 'list';

/** `data-*` attribute → option, and how its text is read. */
export const SCRIPT_ATTRIBUTES: ReadonlyArray<readonly [attribute: string, option: string, kind: Kind]> = [
  ['data-endpoint', 'endpoint', 'string'],
  ['data-consent', 'consent', 'consent'],
  ['data-sample-rate', 'sampleRate', 'number'],
  ['data-mode', 'mode', 'string'],
  ['data-flush-interval', 'flushInterval', 'number'],
  ['data-allow-query-params', 'privacy.allowQueryParams', 'list'],
  ['data-trigger-window', 'triggerWindow', 'number'],
  ['data-idle-timeout', 'idleTimeout', 'number'],
  ['data-max-session-duration', 'maxSessionDuration', 'number'],
  ['data-max-batch-bytes', 'maxBatchBytes', 'number'],
  ['data-max-queue-bytes', 'maxQueueBytes', 'number'],
  ['data-request-timeout', 'requestTimeout', 'number'],
  ['data-credentials', 'credentials', 'string'],
  ['data-respect-global-privacy-control', 'respectGlobalPrivacyControl', 'boolean'],
  ['data-respect-do-not-track', 'respectDoNotTrack', 'boolean'],
  ['data-compress-in-worker', 'compressInWorker', 'boolean'],
];

/**
 * The options the script tag asks for, or `undefined` when it asks for
 * nothing (no known `data-*` attribute and no `ReticentConfig`): the page
 * then calls `Reticent.init()` itself.
 *
 * `ReticentConfig` comes first; each attribute present overrides its
 * option (`data-allow-query-params` replaces `privacy.allowQueryParams`
 * and keeps the rest of `privacy`). Values that do not parse are passed on
 * as text, so `init()` rejects them naming the option.
 *
 * @param attribute - reads an attribute of the script element (`null` when absent).
 * @param globalConfig - `window.ReticentConfig`.
 * @throws {@link ReticentError} `INVALID_OPTION` when `data-consent` looks like JSON but is not.
 */
export function scriptOptions(
  attribute: (name: string) => string | null,
  globalConfig: unknown,
): Record<string, unknown> | undefined {
  const fromAttributes: Record<string, unknown> = {};
  let allowQueryParams: string[] | undefined;
  let any = false;
  for (const [name, option, kind] of SCRIPT_ATTRIBUTES) {
    const text = attribute(name);
    if (text === null) continue;
    any = true;
    switch (kind) {
      case 'string':
        fromAttributes[option] = text;
        break;
      case 'number':
        fromAttributes[option] = parseNumber(text);
        break;
      case 'boolean':
        fromAttributes[option] = text === 'true' ? true : text === 'false' ? false : text;
        break;
      case 'consent':
        fromAttributes[option] = parseConsent(text);
        break;
      case 'list':
        allowQueryParams = text
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== '');
        break;
    }
  }
  if (!any && globalConfig === undefined) return undefined;
  if (globalConfig !== undefined && (typeof globalConfig !== 'object' || globalConfig === null || Array.isArray(globalConfig))) {
    throw new ReticentError('INVALID_OPTION', 'ReticentConfig: expected an object of init() options');
  }
  const merged: Record<string, unknown> = { ...(globalConfig as Record<string, unknown> | undefined), ...fromAttributes };
  if (allowQueryParams !== undefined) {
    const privacy = merged.privacy;
    // A `privacy` that is not an object stays as it is, for init() to refuse
    // (replaced, an invalid `ReticentConfig.privacy` would pass unseen).
    if (privacy === undefined) merged.privacy = { allowQueryParams };
    else if (typeof privacy === 'object' && privacy !== null && !Array.isArray(privacy)) merged.privacy = { ...privacy, allowQueryParams };
  }
  return merged;
}

function parseNumber(text: string): unknown {
  const t = text.trim();
  if (t === '') return text;
  const n = Number(t);
  return Number.isNaN(n) ? text : n;
}

function parseConsent(text: string): unknown {
  const t = text.trim();
  if (!t.startsWith('{')) return t;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    throw new ReticentError('INVALID_OPTION', 'consent: data-consent starts with "{" but is not valid JSON');
  }
}
