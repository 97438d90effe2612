/**
 * Consent sources: one adapter per CMP, chosen by the `consent` option, and
 * the browser's own "do not record" signals.
 *
 * @packageDocumentation
 */
import { AxeptioAdapter, type AxeptioSettings } from './axeptio.js';
import type { ConsentConfig } from './config.js';
import { CookiebotAdapter, type CookiebotSettings } from './cookiebot.js';
import { CookieConsentAdapter, type CookieConsentSettings } from './cookieconsent.js';
import { DidomiAdapter, type DidomiSettings } from './didomi.js';
import { GoogleConsentModeAdapter, type GoogleConsentModeSettings } from './google-consent-mode.js';
import { KlaroAdapter, type KlaroSettings } from './klaro.js';
import { ManualAdapter } from './manual.js';
import { OneTrustAdapter, type OneTrustSettings } from './onetrust.js';
import { TarteaucitronAdapter, type TarteaucitronSettings } from './tarteaucitron.js';
import { TcfAdapter, type TcfSettings } from './tcf.js';
import type { ConsentAdapter, Global } from './types.js';
import { UsercentricsAdapter, type UsercentricsSettings } from './usercentrics.js';

export { resolveConsent, type ConsentConfig, type ConsentOption, type ConsentSource } from './config.js';
export type { ConsentAdapter, ConsentSignal } from './types.js';
export { ManualAdapter } from './manual.js';

/** Builds the adapter for a validated consent configuration. */
export function createAdapter(config: ConsentConfig, g: Global = globalThis as Global): ConsentAdapter {
  const { cmp, ...settings } = config;
  switch (cmp) {
    case 'manual':
      return new ManualAdapter();
    case 'tcf':
      return new TcfAdapter(settings as TcfSettings, g);
    case 'google-consent-mode':
      return new GoogleConsentModeAdapter(settings as GoogleConsentModeSettings, g);
    case 'didomi':
      return new DidomiAdapter(settings as unknown as DidomiSettings, g);
    case 'axeptio':
      return new AxeptioAdapter(settings as AxeptioSettings, g);
    case 'tarteaucitron':
      return new TarteaucitronAdapter(settings as TarteaucitronSettings, g);
    case 'cookiebot':
      return new CookiebotAdapter(settings as CookiebotSettings, g);
    case 'onetrust':
      return new OneTrustAdapter(settings as OneTrustSettings, g);
    case 'usercentrics':
      return new UsercentricsAdapter(settings as unknown as UsercentricsSettings, g);
    case 'klaro':
      return new KlaroAdapter(settings as KlaroSettings, g);
    case 'cookieconsent':
      return new CookieConsentAdapter(settings as CookieConsentSettings, g);
  }
}

/**
 * Whether the browser asks not to be recorded: Global Privacy Control
 * (`navigator.globalPrivacyControl === true`, respected unless the site turns
 * it off) and, if the site opts in, Do Not Track (`navigator.doNotTrack === '1'`).
 * Read once per page: neither signal has a change event.
 */
export function browserOptsOut(
  { respectGlobalPrivacyControl = true, respectDoNotTrack = false } = {},
  nav: Partial<Navigator & { globalPrivacyControl?: boolean }> | undefined = (globalThis as Global).navigator,
): boolean {
  if (!nav) return false;
  if (respectGlobalPrivacyControl && nav.globalPrivacyControl === true) return true;
  return respectDoNotTrack && nav.doNotTrack === '1';
}
