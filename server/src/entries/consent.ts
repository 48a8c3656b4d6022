import type { AppConfig } from '../config';

/** The consent a walk-in customer gives at entry when MP_CONSENT_VERSION / MP_CONSENT_TEXT are unset. */
export const DEFAULT_CONSENT = {
  version: '2026-11',
  text: '本人同意门店收集我的姓名和手机号，用于会员服务与活动通知。可随时联系门店撤回同意。',
} as const;

export interface Consent {
  version: string;
  text: string;
}

/** The consent text in force now and its version (config, else the default). */
export function currentConsent(config: Pick<AppConfig, 'consentVersion' | 'consentText'>): Consent {
  if (config.consentVersion && config.consentText) return { version: config.consentVersion, text: config.consentText };
  return { ...DEFAULT_CONSENT };
}

