import { api } from '../../utils/api';
import { markLeadsChanged } from '../../utils/changes';
import { addDays, shanghaiDay, shanghaiToIso } from '../../utils/format';
import { FOLLOW_UP_KINDS, OUTCOMES } from '../../utils/labels';
import { memberOrSignIn } from '../../utils/session';
import type { FollowUpInput, FollowUpKind } from '../../utils/types';

const NO_OUTCOME = { value: '', label: '不填' };

/**
 * Log a follow-up on a lead: how (call, visit, WeCom chat, note), the outcome, what was said,
 * and the next step with its time (the server reminds the rep then). Opened with `leadId`.
 */
Component({
  data: {
    leadId: 0,
    leadName: '',
    state: 'ready',
    errorText: '',
    kinds: FOLLOW_UP_KINDS,
    outcomes: [...OUTCOMES, NO_OUTCOME],
    kind: 'call' as FollowUpKind,
    outcome: '',
    content: '',
    hasNext: true,
    today: '',
    nextDay: '',
    nextTime: '10:00',
    nextNote: '',
    formError: '',
    submitting: false,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>): void {
      if (!memberOrSignIn()) return;
      const leadId = Number(query.leadId);
      if (!Number.isInteger(leadId) || leadId <= 0) {
        this.setData({ state: 'error', errorText: '没有指定线索' });
        return;
      }
      const today = shanghaiDay();
      this.setData({
        leadId,
        leadName: query.name ? decodeURIComponent(query.name) : '',
        today,
        nextDay: addDays(today, 1),
      });
    },
    onKind(event: WechatMiniprogram.CustomEvent<{ value: FollowUpKind }>): void {
      this.setData({ kind: event.detail.value });
    },
    onOutcome(event: WechatMiniprogram.CustomEvent<{ value: string }>): void {
      this.setData({ outcome: event.detail.value });
    },
    onContent(event: WechatMiniprogram.Input): void {
      this.setData({ content: event.detail.value });
    },
    onHasNext(event: WechatMiniprogram.CustomEvent<{ value: boolean }>): void {
      this.setData({ hasNext: event.detail.value });
    },
    onNextDay(event: WechatMiniprogram.PickerChange): void {
      this.setData({ nextDay: String(event.detail.value) });
    },
    onNextTime(event: WechatMiniprogram.PickerChange): void {
      this.setData({ nextTime: String(event.detail.value) });
    },
    onNextNote(event: WechatMiniprogram.Input): void {
      this.setData({ nextNote: event.detail.value });
    },

    /** The request body, or a Chinese reason the form cannot be sent yet. */
    input(): FollowUpInput | string {
      const d = this.data;
      const content = d.content.trim();
      if (!content && !d.outcome) return '请填写跟进内容或选择结果';
      const input: FollowUpInput = { kind: d.kind };
      if (d.outcome) input.outcome = d.outcome;
      if (content) input.content = content;
      if (d.hasNext) {
        const at = shanghaiToIso(d.nextDay, d.nextTime);
        if (new Date(at).getTime() <= Date.now()) return '下次跟进时间需要晚于现在';
        input.nextStepAt = at;
        const note = d.nextNote.trim();
        if (note) input.nextStepNote = note;
      }
      return input;
    },

    async submit(): Promise<void> {
      if (this.data.submitting) return;
      const input = this.input();
      if (typeof input === 'string') {
        this.setData({ formError: input });
        return;
      }
      this.setData({ submitting: true, formError: '' });
      try {
        await api.logFollowUp(this.data.leadId, input);
        markLeadsChanged();
        wx.showToast({ title: '跟进已保存', icon: 'success' });
        wx.navigateBack();
      } catch {
        this.setData({ submitting: false });
      }
    },
  },
});
