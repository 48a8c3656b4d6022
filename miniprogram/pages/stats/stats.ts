import { api, messageOf } from '../../utils/api';
import { addDays, formatMinutes, formatPercent, shanghaiDay } from '../../utils/format';
import { hasRole, memberOrSignIn } from '../../utils/session';
import type { Stats } from '../../utils/types';

const PRESETS = [
  { days: 7, label: '近 7 天' },
  { days: 30, label: '近 30 天' },
  { days: 90, label: '近 90 天' },
];

/** Increments on every query, so a slow reply to an older range is ignored. */
let querySeq = 0;

function chartsOf(stats: Stats) {
  return {
    funnel: stats.funnel.map((f) => ({ label: f.label, value: f.count, display: `${f.count} 条` })),
    channels: stats.channels.map((c) => ({
      label: c.name,
      value: Math.round(c.conversionRate * 1000) / 10,
      display: `${formatPercent(c.conversionRate)}（${c.won}/${c.leads}）`,
    })),
    responseTimes: stats.responseTimes.map((r) => ({
      label: r.name,
      value: r.medianMinutes ?? 0,
      display: r.medianMinutes === null ? `暂无（${r.leads} 条）` : `${formatMinutes(r.medianMinutes)}（${r.leads} 条）`,
    })),
    // From the chat archive: how long customers waited for each rep's answer (reps without answers in the range are left out).
    chatResponseTimes: stats.responseTimes
      .filter((r) => r.chatReplies > 0 && r.chatMedianMinutes !== null)
      .map((r) => ({ label: r.name, value: r.chatMedianMinutes!, display: `${r.chatMedianMinutes! < 1 ? '不到 1 分钟' : formatMinutes(r.chatMedianMinutes!)}（${r.chatReplies} 次回复）` })),
  };
}

/**
 * Managers: the funnel, conversion by channel and reps' response times over their teams, for a
 * date range of Asia/Shanghai days (GET /api/mp/stats?from&to).
 */
Component({
  data: {
    today: '',
    from: '',
    to: '',
    presets: PRESETS,
    activePreset: 7,
    rangeError: '',
    state: 'loading',
    errorText: '',
    funnel: [] as ReturnType<typeof chartsOf>['funnel'],
    channels: [] as ReturnType<typeof chartsOf>['channels'],
    responseTimes: [] as ReturnType<typeof chartsOf>['responseTimes'],
    chatResponseTimes: [] as ReturnType<typeof chartsOf>['chatResponseTimes'],
  },
  methods: {
    onLoad(): void {
      const member = memberOrSignIn();
      if (!member) return;
      const today = shanghaiDay();
      this.setData({ today, from: addDays(today, -6), to: today });
      if (!hasRole(member, 'manager')) {
        this.setData({ state: 'error', errorText: '数据看板仅对团队主管开放' });
        return;
      }
      this.load();
    },
    async onPullDownRefresh(): Promise<void> {
      await this.load();
      wx.stopPullDownRefresh();
    },

    async load(): Promise<void> {
      const { from, to } = this.data;
      if (from > to) {
        this.setData({ rangeError: '开始日期不能晚于结束日期' });
        return;
      }
      const seq = ++querySeq;
      this.setData({ rangeError: '', state: 'loading' });
      try {
        const stats = await api.stats(from, to);
        if (seq !== querySeq) return;
        const empty = !stats.funnel.some((f) => f.count > 0) && !stats.channels.length && !stats.responseTimes.length;
        this.setData({ ...chartsOf(stats), state: empty ? 'empty' : 'ready' });
      } catch (error) {
        if (seq !== querySeq) return;
        this.setData({ state: 'error', errorText: messageOf(error) });
      }
    },
    onFrom(event: WechatMiniprogram.PickerChange): void {
      this.setData({ from: String(event.detail.value), activePreset: 0 });
      this.load();
    },
    onTo(event: WechatMiniprogram.PickerChange): void {
      this.setData({ to: String(event.detail.value), activePreset: 0 });
      this.load();
    },
    onPreset(event: WechatMiniprogram.TouchEvent): void {
      const days = Number(event.currentTarget.dataset.days);
      const today = shanghaiDay();
      this.setData({ today, to: today, from: addDays(today, -(days - 1)), activePreset: days });
      this.load();
    },
  },
});
