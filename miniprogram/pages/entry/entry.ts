import { api, messageOf, toast } from '../../utils/api';
import { formatTime } from '../../utils/format';
import { currentMember, memberOrSignIn } from '../../utils/session';
import type { Entry } from '../../utils/types';

const MOBILE = /^1[3-9]\d{9}$/;

const entryView = (e: Entry) => ({ id: e.id, name: e.name, phone: e.phone, duplicate: e.duplicate, time: formatTime(e.createdAt) });

/**
 * Store staff enter a walk-in member at the counter in a few seconds: name, phone and the
 * customer's consent (the text and its version from GET /api/mp/consent, stored with the entry).
 * The store is the clerk's own, from their profile. Below: today's entries by this clerk.
 */
Component({
  data: {
    state: 'loading',
    errorText: '',
    storeName: '',
    consentText: '',
    consentVersion: '',
    name: '',
    phone: '',
    consent: false,
    focusName: true,
    formError: '',
    submitting: false,
    entries: [] as ReturnType<typeof entryView>[],
  },
  methods: {
    onLoad(): void {
      const member = memberOrSignIn();
      if (!member) return;
      if (!member.store) {
        this.setData({ state: 'error', errorText: '您还没有绑定门店，请联系管理员' });
        return;
      }
      this.setData({ storeName: member.store.name });
      this.load();
    },
    async load(): Promise<void> {
      if (!currentMember()?.store) return;
      this.setData({ state: 'loading' });
      try {
        const [consent, today] = await Promise.all([api.consent(), api.entries()]);
        this.setData({
          state: 'ready',
          consentText: consent.text,
          consentVersion: consent.version,
          entries: today.items.map(entryView),
        });
      } catch (error) {
        this.setData({ state: 'error', errorText: messageOf(error) });
      }
    },
    onName(event: WechatMiniprogram.Input): void {
      this.setData({ name: event.detail.value, formError: '' });
    },
    onPhone(event: WechatMiniprogram.Input): void {
      this.setData({ phone: event.detail.value.replace(/\D/g, ''), formError: '' });
    },
    onConsent(event: WechatMiniprogram.CustomEvent<{ value: string[] }>): void {
      this.setData({ consent: event.detail.value.includes('yes'), formError: '' });
    },

    check(): string {
      const { name, phone, consent } = this.data;
      if (!name.trim()) return '请填写姓名';
      if (!MOBILE.test(phone)) return '请填写正确的 11 位手机号';
      if (!consent) return '请先请顾客阅读并勾选同意授权';
      return '';
    },

    async submit(): Promise<void> {
      if (this.data.submitting) return;
      const problem = this.check();
      if (problem) {
        this.setData({ formError: problem });
        return;
      }
      this.setData({ submitting: true, formError: '' });
      try {
        const { entry } = await api.createEntry({
          name: this.data.name.trim(),
          phone: this.data.phone,
          consent: true,
          consentVersion: this.data.consentVersion,
        });
        toast(entry.duplicate ? '已录入（老客户）' : '录入成功');
        this.setData({
          submitting: false,
          name: '',
          phone: '',
          consent: false,
          focusName: true,
          entries: [entryView(entry), ...this.data.entries.filter((e) => e.id !== entry.id)],
        });
      } catch (error) {
        this.setData({ submitting: false, consent: false });
        // The consent text may have changed since the page opened: show the current one.
        if ((error as { status?: number }).status === 400) this.refreshConsent();
      }
    },

    async refreshConsent(): Promise<void> {
      try {
        const consent = await api.consent();
        this.setData({ consentText: consent.text, consentVersion: consent.version });
      } catch {
        // keep the text shown; the next submit says what is wrong
      }
    },
  },
});
