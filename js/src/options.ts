/**
 * The options of `init()`, their defaults, and their validation. Pure and
 * DOM-free: nothing here reads the page.
 *
 * @packageDocumentation
 */

import { resolveConsent, type ConsentConfig, type ConsentOption } from './consent/index.js';
import { describe, typeName } from './describe.js';
import { ReticentError } from './errors.js';
import { DEFAULT_MAX_QUEUE_BYTES } from './queue.js';
import { DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_SESSION_DURATION } from './session.js';
import { DEFAULT_REQUEST_TIMEOUT, KEEPALIVE_MAX_BYTES, type TransportHook } from './transport.js';
import { DEFAULT_TRIGGER_WINDOW } from './trigger.js';

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
  /**
   * CSS selectors of elements whose text is recorded in clear: their text
   * nodes (and those of their descendants) and their non-layout attribute
   * values (`title`, `alt`, `placeholder`, `aria-label`, `data-*`, …).
   * What is unmasked still goes through the PII detectors (e-mails, card
   * numbers, IBANs, phone numbers, tokens become `[email]`, `[card]`, …).
   * Form values are not affected (see {@link PrivacyOptions.unmaskInputs}).
   * The nearest element with a rule decides; at the same element
   * `block` > `mask` > unmask. Inline: `data-reticent-unmask`. Default: none.
   *
   * Each list holds at most 100 selectors of 1 to 1024 characters; a
   * selector the browser cannot parse is rejected with `INVALID_OPTION`.
   */
  unmaskText?: string[];
  /**
   * CSS selectors of form fields (or of their containers) whose values are
   * recorded in clear, after the PII detectors: live values of inputs,
   * textareas, selects and contenteditable elements, `value` attributes,
   * option values. Password and hidden inputs, fields whose `autocomplete`
   * is `cc-…`, `one-time-code`, `current-password` or `new-password`, and
   * fields that were passwords at any time stay masked whatever the rules
   * say. Inline: `data-reticent-unmask`. Default: none.
   */
  unmaskInputs?: string[];
  /**
   * CSS selectors of elements masked even inside an unmasked part of the
   * page (text and form values). Inline: `data-reticent-mask`. Default: none.
   */
  mask?: string[];
  /**
   * CSS selectors of elements replaced by an empty placeholder of the same
   * size: nothing inside is read or recorded. Inline: `data-reticent-block`.
   * Default: none.
   */
  block?: string[];
  /**
   * CSS selectors of elements (and their descendants) whose input events
   * are not recorded at all. Default: none.
   */
  ignore?: string[];
  /**
   * Pages where nothing is recorded, even with consent: path patterns
   * starting with `/`, where `*` matches any run of characters (including
   * `/`) and the whole path must match (`/checkout/*`, `/account*`, or
   * `/`, `*`, `/settings` written together for a settings page under any
   * first segment: that pattern cannot be spelt in this comment). They are
   * matched against the sanitised path, so identifiers already read `:id`, `:token`, `:email`
   * (`/order/:id`). At most 100 patterns of at most 256 printable ASCII
   * characters, without spaces, `?` or `#`. Navigating (in a single-page
   * app) into such a page stops recording and drops what was not sent yet;
   * leaving it starts a new page view if consent still holds (checked on
   * the flush timer). Default: none.
   */
  excludePages?: string[];
  /**
   * The site's own identifiers (customer numbers, order references…)
   * replaced by `[custom]` in every value a rule unmasked, after the
   * built-in detectors (e-mail, card, IBAN, phone, NIR, tokens). A small
   * pattern syntax, not a regular expression: `#` one digit, `@` one letter,
   * `*` one letter or digit, `\x` the character `x`, anything else itself
   * (Latin, Greek and Cyrillic letters case-insensitive); a match cannot
   * continue a run of letters or digits. `'C-####'` finds `C-1234` but not
   * `C-12345`. At most 20 patterns of 2 to 64 elements. Default: none.
   */
  customDetectors?: string[];
}

/** {@link PrivacyOptions} after validation: every list present, frozen. */
export interface ResolvedPrivacy {
  /** See {@link PrivacyOptions.allowQueryParams}. */
  readonly allowQueryParams: readonly string[];
  /** See {@link PrivacyOptions.unmaskText}. */
  readonly unmaskText: readonly string[];
  /** See {@link PrivacyOptions.unmaskInputs}. */
  readonly unmaskInputs: readonly string[];
  /** See {@link PrivacyOptions.mask}. */
  readonly mask: readonly string[];
  /** See {@link PrivacyOptions.block}. */
  readonly block: readonly string[];
  /** See {@link PrivacyOptions.ignore}. */
  readonly ignore: readonly string[];
  /** See {@link PrivacyOptions.excludePages}. */
  readonly excludePages: readonly string[];
  /** See {@link PrivacyOptions.customDetectors}. */
  readonly customDetectors: readonly string[];
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
   *   `'cookiebot'`, `'onetrust'`, `'klaro'`, `'cookieconsent'`, or an object `{ cmp, …settings }`
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
  /**
   * Compress batches (gzip) in a Web Worker running the same WebAssembly
   * module, so the page's main thread only pays for encoding. Default
   * `true`. The worker starts from a `blob:` URL: under a CSP without
   * `worker-src blob:` (or `script-src blob:` when there is no
   * `worker-src`), the browser refuses it, reports a CSP violation, and the
   * recorder compresses on the main thread instead. `false` compresses on
   * the main thread from the start (no worker, no violation report).
   * Batches are compressed either way, and page exit always compresses on
   * the main thread (it must be synchronous).
   */
  compressInWorker?: boolean;
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
  /**
   * Target size of one batch, in compressed bytes: from 1024 to 1048576
   * (the collector's default body limit). Default 61440 (60 KiB, what fits
   * in the browser's keepalive quota, so a batch can still leave with a page
   * that closes).
   *
   * The core encodes and compresses a batch only when it is taken, so the
   * recorder estimates: it learns the compressed bytes per event from the
   * batches it took, checks the number of pending events once a second, and
   * flushes early when the estimate reaches this budget. A batch can still
   * be larger (a full snapshot of a big page is one event); it is sent
   * anyway, and a collector that refuses it (413) makes it a counted drop.
   */
  maxBatchBytes?: number;
  /**
   * Cap on the encoded batches held in memory while the collector cannot be
   * reached, in bytes: from 65536 to 67108864. Default 2097152 (2 MiB).
   * Beyond it, the oldest batches are dropped first, and the number of
   * dropped batches is written in the `dropped` field of the next batch
   * header, so a dead endpoint never grows memory without bound and losses
   * are counted, never silent.
   */
  maxQueueBytes?: number;
  /**
   * Milliseconds before a request (or a `transport` hook call) that has not
   * answered counts as failed and is retried: from 1000 to 120000.
   * Default 15000.
   */
  requestTimeout?: number;
  /**
   * Whether requests to the endpoint carry cookies and HTTP authentication:
   * `'omit'` (default, nothing is sent), `'same-origin'`, or `'include'`
   * (a cross-origin collector must then answer with
   * `Access-Control-Allow-Credentials: true` and an explicit origin).
   * With `'omit'`, `navigator.sendBeacon` is never used, because a beacon
   * always carries the cookies of its origin.
   */
  credentials?: 'omit' | 'same-origin' | 'include';
  /**
   * Sends batches through the site's own code instead of `fetch`: called
   * with the encoded bytes (the request body, see docs/wire-format.md), the
   * batch's sequence number within its page view, and `exit: true` when the
   * page is being hidden or unloaded (use a request that survives it). Resolve (with `true`
   * or nothing, or with `fetch`'s `Response` when it is `ok`) once the
   * collector stored it; resolve `false` or reject to have it retried with
   * the usual backoff (so is any other value: not a proof it was stored).
   * A call that does not settle within `requestTimeout` counts as failed
   * (the batch may then be sent twice; collectors are idempotent on
   * session, page view and sequence).
   * `endpoint` is still required and validated, but not used for sending.
   */
  transport?: TransportHook;
  /**
   * Fraction of sessions recorded, from 0 to 1. Default 1 (all). Drawn once
   * per session, when consent is granted, and kept in the session's
   * `sessionStorage` entry so every page view of the session follows it.
   * A session not drawn records nothing: the core is not even started.
   */
  sampleRate?: number;
  /**
   * Milliseconds of inactivity (no recorded event) after which the next
   * activity starts a new session (new ids, new full snapshot): from 60000
   * (1 min) to 86400000 (24 h). Default 1800000 (30 min).
   */
  idleTimeout?: number;
  /**
   * Longest session, in milliseconds: once reached, the session ends and a
   * new one starts (new ids, new full snapshot, new sampling draw): from
   * 60000 (1 min) to 86400000 (24 h). Default 14400000 (4 h).
   */
  maxSessionDuration?: number;
  /**
   * `'continuous'` (default): batches are sent as they are recorded.
   * `'on-trigger'`: after consent, the last `triggerWindow` ms are kept in
   * memory and nothing is sent until `recorder.trigger()` is called or an
   * uncaught error or unhandled rejection happens on the page; then the
   * window is sent and the rest of the session is recorded continuously.
   */
  mode?: 'continuous' | 'on-trigger';
  /**
   * With `mode: 'on-trigger'`, how much of the recent past is kept, in
   * milliseconds: from 2000 to 600000. Default 60000. Every
   * `triggerWindow / 2` ms a segment is closed and a fresh full snapshot
   * starts the next one; what is sent on a trigger starts between 1 and 1.5
   * windows back.
   */
  triggerWindow?: number;
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
  /** See {@link ReticentOptions.compressInWorker}. */
  readonly compressInWorker: boolean;
  /** Privacy settings, in the shape the WebAssembly core expects. */
  readonly privacy: ResolvedPrivacy;
  /** See {@link ReticentOptions.flushInterval}. */
  readonly flushInterval: number;
  /** A frozen copy of {@link ReticentOptions.headers}. */
  readonly headers: Readonly<Record<string, string>>;
  /** See {@link ReticentOptions.onError}. */
  readonly onError: ((err: ReticentError) => void) | undefined;
  /** See {@link ReticentOptions.maxBatchBytes}. */
  readonly maxBatchBytes: number;
  /** See {@link ReticentOptions.maxQueueBytes}. */
  readonly maxQueueBytes: number;
  /** See {@link ReticentOptions.requestTimeout}. */
  readonly requestTimeout: number;
  /** See {@link ReticentOptions.credentials}. */
  readonly credentials: 'omit' | 'same-origin' | 'include';
  /** See {@link ReticentOptions.transport}. */
  readonly transport: TransportHook | undefined;
  /** See {@link ReticentOptions.sampleRate}. */
  readonly sampleRate: number;
  /** See {@link ReticentOptions.idleTimeout}. */
  readonly idleTimeout: number;
  /** See {@link ReticentOptions.maxSessionDuration}. */
  readonly maxSessionDuration: number;
  /** See {@link ReticentOptions.mode}. */
  readonly mode: 'continuous' | 'on-trigger';
  /** See {@link ReticentOptions.triggerWindow}. */
  readonly triggerWindow: number;
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
  'compressInWorker',
  'privacy',
  'flushInterval',
  'headers',
  'onError',
  'maxBatchBytes',
  'maxQueueBytes',
  'requestTimeout',
  'credentials',
  'transport',
  'sampleRate',
  'idleTimeout',
  'maxSessionDuration',
  'mode',
  'triggerWindow',
];

/** Default of {@link ReticentOptions.maxBatchBytes}. */
export const DEFAULT_MAX_BATCH_BYTES = KEEPALIVE_MAX_BYTES;

/** `[min, max, default]` of each numeric option, in its unit. */
export const NUMBER_RANGES = {
  maxBatchBytes: [1024, 1024 * 1024, DEFAULT_MAX_BATCH_BYTES],
  maxQueueBytes: [64 * 1024, 64 * 1024 * 1024, DEFAULT_MAX_QUEUE_BYTES],
  requestTimeout: [1000, 120_000, DEFAULT_REQUEST_TIMEOUT],
  sampleRate: [0, 1, 1],
  idleTimeout: [60_000, 86_400_000, DEFAULT_IDLE_TIMEOUT],
  maxSessionDuration: [60_000, 86_400_000, DEFAULT_MAX_SESSION_DURATION],
  triggerWindow: [2000, 600_000, DEFAULT_TRIGGER_WINDOW],
} as const;
const CREDENTIALS: readonly string[] = ['omit', 'same-origin', 'include'];
const MODES: readonly string[] = ['continuous', 'on-trigger'];
const SELECTOR_LISTS = ['unmaskText', 'unmaskInputs', 'mask', 'block', 'ignore'] as const;
const PRIVACY_KEYS: readonly string[] = ['allowQueryParams', ...SELECTOR_LISTS, 'excludePages', 'customDetectors'];
/** Most `customDetectors` patterns (the core's limit). */
export const MAX_CUSTOM_DETECTORS = 20;
/** Most entries in one privacy rule list. */
export const MAX_RULES = 100;
/** Longest selector, in characters. */
export const MAX_SELECTOR_LENGTH = 1024;
/** Longest `excludePages` pattern, in characters. */
export const MAX_PATTERN_LENGTH = 256;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// `/`, then printable ASCII other than space, `?` and `#` (the core's rule).
const PATH_PATTERN = /^\/[!"$->@-~]*$/;
const RESERVED_HEADERS: readonly string[] = ['content-type', 'content-encoding'];
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// CR, LF and NUL, and anything above U+00FF: `fetch` takes header values as
// byte strings and would throw on every request, each one retried in vain.
// eslint-disable-next-line no-control-regex
const BAD_HEADER_VALUE = /[\r\n\0]|[^\u0000-\u00ff]/;

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

  const resolved: ResolvedOptions = {
    endpoint: validateEndpoint(raw.endpoint),
    consent: resolveConsent(raw.consent),
    respectGlobalPrivacyControl: validateBoolean('respectGlobalPrivacyControl', raw.respectGlobalPrivacyControl, true),
    respectDoNotTrack: validateBoolean('respectDoNotTrack', raw.respectDoNotTrack, false),
    compressInWorker: validateBoolean('compressInWorker', raw.compressInWorker, true),
    privacy: validatePrivacy(raw.privacy),
    flushInterval: validateFlushInterval(raw.flushInterval),
    headers: validateHeaders(raw.headers),
    onError: validateFunction('onError', raw.onError) as ResolvedOptions['onError'],
    maxBatchBytes: validateNumber('maxBatchBytes', raw.maxBatchBytes, 'bytes'),
    maxQueueBytes: validateNumber('maxQueueBytes', raw.maxQueueBytes, 'bytes'),
    requestTimeout: validateNumber('requestTimeout', raw.requestTimeout, 'milliseconds'),
    credentials: validateChoice('credentials', raw.credentials, CREDENTIALS, 'omit') as ResolvedOptions['credentials'],
    transport: validateFunction('transport', raw.transport) as ResolvedOptions['transport'],
    sampleRate: validateNumber('sampleRate', raw.sampleRate, 'fraction'),
    idleTimeout: validateNumber('idleTimeout', raw.idleTimeout, 'milliseconds'),
    maxSessionDuration: validateNumber('maxSessionDuration', raw.maxSessionDuration, 'milliseconds'),
    mode: validateChoice('mode', raw.mode, MODES, 'continuous') as ResolvedOptions['mode'],
    triggerWindow: validateNumber('triggerWindow', raw.triggerWindow, 'milliseconds'),
  };
  validateTogether(resolved);
  return resolved;
}

/**
 * The constraints between options. Activity is noted at each flush (each
 * segment with `on-trigger`), so an idle timeout not longer than that would
 * see every activity as a return from idleness and start a new session at
 * each flush, dropping the events. A queue smaller than one batch could
 * hold nothing else.
 */
function validateTogether(o: ResolvedOptions): void {
  const ticks = o.mode === 'on-trigger' ? o.triggerWindow / 2 : o.flushInterval;
  if (o.idleTimeout <= ticks) {
    const what = o.mode === 'on-trigger' ? `triggerWindow / 2 (${ticks})` : `flushInterval (${ticks})`;
    throw invalid('idleTimeout', `expected more than ${what} milliseconds`, o.idleTimeout);
  }
  if (o.maxQueueBytes < o.maxBatchBytes) {
    throw invalid('maxQueueBytes', `expected at least maxBatchBytes (${o.maxBatchBytes})`, o.maxQueueBytes);
  }
}

function validateNumber(name: keyof typeof NUMBER_RANGES, value: unknown, unit: string): number {
  const [min, max, fallback] = NUMBER_RANGES[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const what = unit === 'fraction' ? 'a number' : `a number of ${unit}`;
    throw invalid(name, `expected ${what} between ${min} and ${max}`, value);
  }
  return value;
}

function validateChoice(name: string, value: unknown, choices: readonly string[], fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !choices.includes(value)) {
    throw invalid(name, `expected one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  }
  return value;
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

function validatePrivacy(value: unknown): ResolvedPrivacy {
  if (value === undefined) value = {};
  if (!isPlainObject(value)) throw invalid('privacy', 'expected an object', value);
  rejectUnknown(value, PRIVACY_KEYS, 'privacy.');
  const list = (name: string): string[] => {
    const v = (value as Record<string, unknown>)[name];
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw invalid(`privacy.${name}`, 'expected an array of strings', v);
    v.forEach((p: unknown, i) => {
      if (typeof p !== 'string') throw invalid(`privacy.${name}[${i}]`, 'expected a string', p);
    });
    return v.slice() as string[];
  };
  const out: Record<string, readonly string[]> = { allowQueryParams: Object.freeze(list('allowQueryParams')) };
  for (const name of SELECTOR_LISTS) {
    const selectors = list(name);
    checkCount(name, selectors);
    selectors.forEach((sel, i) => checkSelector(`privacy.${name}[${i}]`, sel));
    out[name] = Object.freeze(selectors);
  }
  const pages = list('excludePages');
  checkCount('excludePages', pages);
  pages.forEach((p, i) => {
    if (p.length > MAX_PATTERN_LENGTH || !PATH_PATTERN.test(p)) {
      throw invalid(
        `privacy.excludePages[${i}]`,
        `expected a path pattern starting with "/" of at most ${MAX_PATTERN_LENGTH} printable ASCII characters (no space, "?" or "#")`,
        p,
      );
    }
  });
  out.excludePages = Object.freeze(pages);
  // The pattern syntax itself is checked by the core (one parser), which
  // names the entry in its INVALID_OPTION error.
  const detectors = list('customDetectors');
  if (detectors.length > MAX_CUSTOM_DETECTORS) {
    throw new ReticentError(
      'INVALID_OPTION',
      `privacy.customDetectors: at most ${MAX_CUSTOM_DETECTORS} patterns, got ${detectors.length}`,
    );
  }
  detectors.forEach((p, i) => {
    if (p.length < 2 || p.length > 128 || CONTROL.test(p)) {
      throw invalid(`privacy.customDetectors[${i}]`, 'expected a pattern of 2 to 64 elements without control characters', p);
    }
  });
  out.customDetectors = Object.freeze(detectors);
  return Object.freeze(out) as unknown as ResolvedPrivacy;
}

function checkCount(name: string, list: readonly string[]): void {
  if (list.length > MAX_RULES) {
    throw new ReticentError('INVALID_OPTION', `privacy.${name}: at most ${MAX_RULES} entries, got ${list.length}`);
  }
}

/**
 * A selector must be 1 to {@link MAX_SELECTOR_LENGTH} characters without
 * control characters, and parse: it is tried on a detached, empty fragment
 * (`document.createDocumentFragment().querySelector`), which reads nothing
 * from the page. Where there is no `document` (server-side rendering, unit
 * tests) the WebAssembly core parses it again with the browser at `init()`.
 */
function checkSelector(option: string, sel: string): void {
  if (sel.trim() === '' || sel.length > MAX_SELECTOR_LENGTH || CONTROL.test(sel)) {
    throw invalid(option, `expected a CSS selector of 1 to ${MAX_SELECTOR_LENGTH} characters without control characters`, sel);
  }
  const doc = (globalThis as { document?: { createDocumentFragment?: () => { querySelector(s: string): unknown } } }).document;
  if (doc === undefined || typeof doc.createDocumentFragment !== 'function') return;
  try {
    doc.createDocumentFragment().querySelector(sel);
  } catch {
    throw invalid(option, 'expected a valid CSS selector', sel);
  }
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
      throw new ReticentError('INVALID_OPTION', `headers.${name}: must not contain CR, LF, NUL or characters above U+00FF (HTTP header values are bytes)`);
    }
    out[name] = v;
  }
  return Object.freeze(out);
}

function validateFunction(name: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalid(name, 'expected a function', value);
  return value;
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

