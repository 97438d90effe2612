/**
 * The options of `init()`, their defaults, and their validation. Pure and
 * DOM-free: nothing here reads the page.
 *
 * @packageDocumentation
 */

import { resolveConsent, type ConsentConfig, type ConsentOption } from './consent/index.js';
import { ReticentError } from './errors.js';

/** Privacy settings handed to the WebAssembly core, which applies them to every recorded value. */
export interface PrivacyOptions {
  /**
   * Query parameters kept in recorded URLs, by exact name. Every other
   * parameter, and the fragment, is removed from every URL the recorder
   * writes (page URL, links, resources). Default: none kept.
   *
   * Each name is 1 to 64 characters of letters, digits and `- _ . [ ]`
   * (the core checks the characters; `init()` rejects with `INVALID_OPTION`).
   */
  allowQueryParams?: string[];
}

/** Options of `init()`. Unknown keys are rejected with `UNKNOWN_OPTION`. */
export interface ReticentOptions {
  /**
   * Where batches are POSTed. Required.
   *
   * Either an absolute `http:` or `https:` URL, or a relative reference
   * (`/ingest`, `../collect`) that the browser resolves against the page's
   * base URL at send time (the string is not resolved by `init()`, which reads
   * nothing from the page). URLs carrying a user name or password are refused.
   * A cross-origin endpoint must answer the CORS preflight (the content type
   * is not CORS-safelisted) and allow `Content-Type` plus any `headers` set here.
   */
  endpoint: string;
  /**
   * Where consent comes from. Required. Nothing is observed, stored or sent
   * until this source says `granted`; no decision counts as a refusal.
   *
   * - `'manual'`: the page calls `recorder.grantConsent()` from its own banner.
   * - a CMP: `'tcf'`, `'google-consent-mode'`, `'axeptio'`, `'tarteaucitron'`,
   *   `'cookiebot'`, `'onetrust'`, or an object `{ cmp, …settings }`
   *   (required for `'didomi'` and `'usercentrics'`). See docs/consent.md.
   */
  consent: ConsentOption;
  /**
   * Honour Global Privacy Control (`navigator.globalPrivacyControl`): a
   * visitor whose browser sends it is never recorded, whatever the CMP says.
   * Default `true`.
   */
  respectGlobalPrivacyControl?: boolean;
  /**
   * Honour Do Not Track (`navigator.doNotTrack === '1'`) the same way.
   * Default `false` (browsers have deprecated it).
   */
  respectDoNotTrack?: boolean;
  /** Privacy settings; see {@link PrivacyOptions}. */
  privacy?: PrivacyOptions;
  /**
   * Milliseconds between two flushes while consent is granted. A finite
   * number from 250 to 600000. Default: 5000. The timer starts only after
   * consent is granted.
   */
  flushInterval?: number;
  /**
   * Extra request headers sent with every batch (for example an API key).
   * Names must be valid HTTP header names and values must not contain
   * CR, LF or NUL. `Content-Type` and `Content-Encoding` are reserved.
   * Any header here makes a cross-origin request need a CORS preflight
   * that allows it.
   */
  headers?: Record<string, string>;
  /**
   * Called at most once, when the recorder stops because of a failure
   * (for example a crash of the WebAssembly module); the recorder has then
   * dropped everything and records nothing more. If it throws, the throw is
   * swallowed. Without it, the error is written to `console.error`.
   * Errors of `init()` itself reject its promise instead.
   */
  onError?: (err: ReticentError) => void;
}

/** {@link ReticentOptions} after validation, with every default filled in. */
export interface ResolvedOptions {
  /** See {@link ReticentOptions.endpoint}; as given. */
  readonly endpoint: string;
  /** See {@link ReticentOptions.consent}; validated, in object form. */
  readonly consent: ConsentConfig;
  /** See {@link ReticentOptions.respectGlobalPrivacyControl}. */
  readonly respectGlobalPrivacyControl: boolean;
  /** See {@link ReticentOptions.respectDoNotTrack}. */
  readonly respectDoNotTrack: boolean;
  /** Privacy settings, in the shape the WebAssembly core expects. */
  readonly privacy: { readonly allowQueryParams: readonly string[] };
  /** See {@link ReticentOptions.flushInterval}. */
  readonly flushInterval: number;
  /** A frozen copy of {@link ReticentOptions.headers}. */
  readonly headers: Readonly<Record<string, string>>;
  /** See {@link ReticentOptions.onError}. */
  readonly onError: ((err: ReticentError) => void) | undefined;
}

/** Default of {@link ReticentOptions.flushInterval}, in milliseconds. */
export const DEFAULT_FLUSH_INTERVAL = 5000;
/** Smallest accepted {@link ReticentOptions.flushInterval}, in milliseconds. */
export const MIN_FLUSH_INTERVAL = 250;
/** Largest accepted {@link ReticentOptions.flushInterval}, in milliseconds. */
export const MAX_FLUSH_INTERVAL = 600_000;

const OPTION_KEYS: readonly string[] = [
  'endpoint',
  'consent',
  'respectGlobalPrivacyControl',
  'respectDoNotTrack',
  'privacy',
  'flushInterval',
  'headers',
  'onError',
];
const PRIVACY_KEYS: readonly string[] = ['allowQueryParams'];
const RESERVED_HEADERS: readonly string[] = ['content-type', 'content-encoding'];
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex
const BAD_HEADER_VALUE = /[\r\n\0]/;

/**
 * Checks `raw` against {@link ReticentOptions} and fills in the defaults.
 *
 * @param raw - what the caller passed to `init()`.
 * @param extraKeys - keys an entry point handles itself (the slim entry's
 *   `wasmUrl`); they are neither rejected nor returned.
 * @throws {@link ReticentError} `INVALID_OPTION` or `UNKNOWN_OPTION`; the
 *   message starts with the option's name (`flushInterval: ...`).
 */
export function validateOptions(raw: unknown, extraKeys: readonly string[] = []): ResolvedOptions {
  if (!isPlainObject(raw)) {
    throw invalid('options', 'expected an object', raw);
  }
  rejectUnknown(raw, OPTION_KEYS.concat(extraKeys), '');

  return {
    endpoint: validateEndpoint(raw.endpoint),
    consent: resolveConsent(raw.consent),
    respectGlobalPrivacyControl: validateBoolean('respectGlobalPrivacyControl', raw.respectGlobalPrivacyControl, true),
    respectDoNotTrack: validateBoolean('respectDoNotTrack', raw.respectDoNotTrack, false),
    privacy: validatePrivacy(raw.privacy),
    flushInterval: validateFlushInterval(raw.flushInterval),
    headers: validateHeaders(raw.headers),
    onError: validateOnError(raw.onError),
  };
}

function validateEndpoint(value: unknown): string {
  const expected = 'expected an absolute http(s) URL or a relative URL';
  if (typeof value !== 'string' || value.trim() === '') throw invalid('endpoint', expected, value);
  let url: URL;
  try {
    // Parsing against a placeholder base accepts relative references and
    // leaves absolute URLs untouched.
    url = new URL(value, 'https://relative.invalid/');
  } catch {
    throw invalid('endpoint', expected, value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('endpoint', expected, value);
  if (url.username !== '' || url.password !== '') {
    throw new ReticentError('INVALID_OPTION', 'endpoint: must not contain a user name or password');
  }
  return value;
}

function validateBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(name, 'expected a boolean', value);
  return value;
}

function validatePrivacy(value: unknown): ResolvedOptions['privacy'] {
  if (value === undefined) return Object.freeze({ allowQueryParams: Object.freeze([]) });
  if (!isPlainObject(value)) throw invalid('privacy', 'expected an object', value);
  rejectUnknown(value, PRIVACY_KEYS, 'privacy.');
  const params = value.allowQueryParams;
  if (params === undefined) return Object.freeze({ allowQueryParams: Object.freeze([]) });
  if (!Array.isArray(params)) throw invalid('privacy.allowQueryParams', 'expected an array of strings', params);
  params.forEach((p: unknown, i) => {
    if (typeof p !== 'string') throw invalid(`privacy.allowQueryParams[${i}]`, 'expected a string', p);
  });
  return Object.freeze({ allowQueryParams: Object.freeze(params.slice() as string[]) });
}

function validateFlushInterval(value: unknown): number {
  if (value === undefined) return DEFAULT_FLUSH_INTERVAL;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_FLUSH_INTERVAL || value > MAX_FLUSH_INTERVAL) {
    throw invalid(
      'flushInterval',
      `expected a number of milliseconds between ${MIN_FLUSH_INTERVAL} and ${MAX_FLUSH_INTERVAL}`,
      value,
    );
  }
  return value;
}

function validateHeaders(value: unknown): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  if (value === undefined) return Object.freeze(out);
  if (!isPlainObject(value)) throw invalid('headers', 'expected an object of header names to string values', value);
  for (const name of Object.keys(value)) {
    if (!HEADER_NAME.test(name)) {
      throw invalid('headers', 'expected valid HTTP header names', name);
    }
    if (RESERVED_HEADERS.includes(name.toLowerCase())) {
      throw new ReticentError('INVALID_OPTION', `headers.${name}: is set by Reticent and cannot be overridden`);
    }
    const v = value[name];
    // Values may be secrets (API keys): describe them by type only, never echo them.
    if (typeof v !== 'string') {
      throw new ReticentError('INVALID_OPTION', `headers.${name}: expected a string, got ${typeName(v)}`);
    }
    if (BAD_HEADER_VALUE.test(v)) {
      throw new ReticentError('INVALID_OPTION', `headers.${name}: must not contain CR, LF or NUL`);
    }
    out[name] = v;
  }
  return Object.freeze(out);
}

function validateOnError(value: unknown): ResolvedOptions['onError'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalid('onError', 'expected a function', value);
  return value as (err: ReticentError) => void;
}

function rejectUnknown(obj: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new ReticentError(
        'UNKNOWN_OPTION',
        `${prefix}${key}: unknown option (known options: ${known.map((k) => prefix + k).join(', ')})`,
      );
    }
  }
}

/** An `INVALID_OPTION` error whose message names the option and shows what was given. */
export function invalid(option: string, expected: string, got: unknown): ReticentError {
  return new ReticentError('INVALID_OPTION', `${option}: ${expected}, got ${describe(got)}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  return t === 'object' ? 'an object' : t;
}

function describe(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined) return 'undefined';
  return typeName(value);
}
