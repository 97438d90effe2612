import { describe } from '../describe.js';
import { ReticentError } from '../errors.js';
import type { AxeptioSettings } from './axeptio.js';
import type { CookiebotSettings } from './cookiebot.js';
import type { CookieConsentSettings } from './cookieconsent.js';
import type { DidomiSettings } from './didomi.js';
import type { GoogleConsentModeSettings } from './google-consent-mode.js';
import type { KlaroSettings } from './klaro.js';
import type { OneTrustSettings } from './onetrust.js';
import type { TarteaucitronSettings } from './tarteaucitron.js';
import type { TcfSettings } from './tcf.js';
import type { UsercentricsSettings } from './usercentrics.js';

/** Names of the supported consent sources. */
export type ConsentSource =
  | 'manual'
  | 'tcf'
  | 'google-consent-mode'
  | 'didomi'
  | 'axeptio'
  | 'tarteaucitron'
  | 'cookiebot'
  | 'onetrust'
  | 'usercentrics'
  | 'klaro'
  | 'cookieconsent';

/**
 * The `consent` option: a source name, or an object naming the source in
 * `cmp` with that source's settings. Didomi and Usercentrics need settings
 * (the vendor / service to look up), so they only take the object form.
 *
 * @example `consent: 'tcf'`
 * @example `consent: { cmp: 'onetrust', groupId: 'C0004' }`
 * @example `consent: { cmp: 'cookieconsent', category: 'analytics', service: 'reticent' }`
 */
export type ConsentOption =
  | Exclude<ConsentSource, 'didomi' | 'usercentrics'>
  | { cmp: 'manual' }
  | ({ cmp: 'tcf' } & TcfSettings)
  | ({ cmp: 'google-consent-mode' } & GoogleConsentModeSettings)
  | ({ cmp: 'didomi' } & DidomiSettings)
  | ({ cmp: 'axeptio' } & AxeptioSettings)
  | ({ cmp: 'tarteaucitron' } & TarteaucitronSettings)
  | ({ cmp: 'cookiebot' } & CookiebotSettings)
  | ({ cmp: 'onetrust' } & OneTrustSettings)
  | ({ cmp: 'usercentrics' } & UsercentricsSettings)
  | ({ cmp: 'klaro' } & KlaroSettings)
  | ({ cmp: 'cookieconsent' } & CookieConsentSettings);

/** A validated consent configuration. */
export type ConsentConfig = { cmp: ConsentSource } & Record<string, unknown>;

type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string' && v.length > 0 && v.length <= 200;
const bool: Check = (v) => typeof v === 'boolean';
const uint: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 31;
/**
 * TCF v2.2 defines purposes 1 to 11 (the TC string has room for 24): an id
 * beyond is no purpose a CMP can ask, so nothing would ever be recorded.
 */
const MAX_TCF_PURPOSE = 11;
const purposes: Check = (v) =>
  Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= MAX_TCF_PURPOSE);

/** Each source's settings: name → [check, expected, required]. */
const SETTINGS: Record<ConsentSource, Record<string, [Check, string, boolean?]>> = {
  manual: {},
  tcf: {
    purposes: [purposes, `a non-empty array of TCF purpose ids (1 to ${MAX_TCF_PURPOSE})`],
    vendorId: [uint, 'a Global Vendor List id (a whole number)'],
    recordWhenGdprDoesNotApply: [bool, 'a boolean'],
  },
  'google-consent-mode': { consentType: [str, "a consent type such as 'analytics_storage'"] },
  didomi: {
    vendorId: [str, "the Didomi vendor id of Reticent, e.g. 'c:reticent'", true],
    purposeId: [str, 'a Didomi purpose id'],
    recordWhenConsentNotRequired: [bool, 'a boolean'],
  },
  axeptio: { vendor: [str, 'the Axeptio vendor name of Reticent'] },
  tarteaucitron: {
    key: [(v) => str(v) && /^[a-z0-9_-]+$/i.test(v as string), 'a service key of letters, digits, - or _'],
    name: [str, 'a service name'],
    readmoreLink: [str, 'a URL'],
  },
  cookiebot: {
    category: [(v) => v === 'statistics' || v === 'preferences' || v === 'marketing', "'statistics', 'preferences' or 'marketing'"],
  },
  onetrust: { groupId: [str, "a OneTrust group id such as 'C0002'"] },
  usercentrics: {
    service: [str, 'the Usercentrics service id or name of Reticent', true],
    windowEvent: [str, 'the name of your Usercentrics window event'],
  },
  klaro: { service: [str, 'the Klaro service name of Reticent'] },
  cookieconsent: {
    category: [str, "a CookieConsent category name such as 'analytics'"],
    service: [str, 'the CookieConsent service name of Reticent in that category'],
  },
};

const SOURCES = Object.keys(SETTINGS) as ConsentSource[];

/**
 * Validates the `consent` option. Throws a `ReticentError` whose message names
 * the offending option (`consent`, `consent.cmp`, `consent.purposes`, …).
 */
export function resolveConsent(value: unknown): ConsentConfig {
  const list = SOURCES.map((s) => `'${s}'`).join(', ');
  if (typeof value === 'string') {
    if (!SOURCES.includes(value as ConsentSource)) {
      throw new ReticentError('INVALID_OPTION', `consent: expected one of ${list}, got ${describe(value)}`);
    }
    return resolveConsent({ cmp: value });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ReticentError('INVALID_OPTION', `consent: expected one of ${list}, or an object { cmp, … }`);
  }
  const obj = value as Record<string, unknown>;
  const cmp = obj.cmp as ConsentSource;
  if (!SOURCES.includes(cmp)) {
    throw new ReticentError('INVALID_OPTION', `consent.cmp: expected one of ${list}, got ${describe(obj.cmp)}`);
  }
  const spec = SETTINGS[cmp];
  for (const key of Object.keys(obj)) {
    if (key !== 'cmp' && !Object.prototype.hasOwnProperty.call(spec, key)) {
      throw new ReticentError('UNKNOWN_OPTION', `consent.${key}: not a setting of the '${cmp}' consent source`);
    }
  }
  for (const [key, [check, expected, required]] of Object.entries(spec)) {
    const v = obj[key];
    if (v === undefined) {
      if (required) throw new ReticentError('INVALID_OPTION', `consent.${key}: required for '${cmp}': expected ${expected}`);
    } else if (!check(v)) {
      throw new ReticentError('INVALID_OPTION', `consent.${key}: expected ${expected}, got ${describe(v)}`);
    }
  }
  return { ...obj, cmp };
}
