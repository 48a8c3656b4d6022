import { api, messageOf } from '../../utils/api';
import type { LeadQuery } from '../../utils/api';
import { leadsVersion } from '../../utils/changes';
import { GRADES } from '../../utils/labels';
import { hasRole, memberOrSignIn } from '../../utils/session';
import type { LeadCard, LeadScope, LeadSort } from '../../utils/types';

interface Option {
  value: string;
  label: string;
}

const TABS: { value: LeadScope; label: string }[] = [
  { value: 'mine', label: '我的' },
  { value: 'pool', label: '公海' },
  { value: 'team', label: '我的团队' },
];
const SORTS: { value: LeadSort; label: string }[] = [
  { value: 'score', label: '按评分' },
  { value: 'next_step', label: '按下次跟进' },
];
const GRADE_OPTIONS: Option[] = [{ value: '', label: '全部等级' }, ...GRADES.map((g) => ({ value: g, label: `${g} 级` }))];
const ALL_STAGES: Option = { value: '', label: '全部阶段' };
const ALL_CHANNELS: Option = { value: '', label: '全部渠道' };
const ALL_TAGS: Option = { value: '', label: '全部标签' };

const EMPTY_TEXT: Record<LeadScope, string> = {
  mine: '暂无线索，客户添加您的企业微信后会出现在这里',
  pool: '公海暂无线索',
  team: '团队暂无线索',
};

/** Increments on every new query, so a slow reply to an older query is ignored. */
let querySeq = 0;

/**
 * The rep's leads: tabs mine / pool / my team (managers), filters grade, stage, channel and tag,
 * search, sort by score or next step, infinite scroll by cursor, pull to refresh.
 */
Component({
  data: {
    memberName: '',
    isManager: false,
    isClerk: false,
    tabs: TABS.slice(0, 2),
    scope: 'mine' as LeadScope,
    q: '',
    gradeOptions: GRADE_OPTIONS,
    gradeIndex: 0,
    stageOptions: [ALL_STAGES],
    stageIndex: 0,
    channelOptions: [ALL_CHANNELS],
    channelIndex: 0,
    tagOptions: [ALL_TAGS],
    tagIndex: 0,
    sortOptions: SORTS,
    sortIndex: 0,
    items: [] as LeadCard[],
    nextCursor: null as string | null,
    state: 'loading',
    emptyText: EMPTY_TEXT.mine,
    errorText: '',
    loadingMore: false,
    moreError: '',
    loadedVersion: 0,
  },
  methods: {
    onLoad(): void {
      const member = memberOrSignIn();
      if (!member) return;
      const isManager = hasRole(member, 'manager');
      this.setData({
        memberName: member.name,
        isManager,
        isClerk: hasRole(member, 'store_staff'),
        tabs: isManager ? TABS : TABS.slice(0, 2),
      });
      this.loadOptions();
      this.reload();
    },
    onShow(): void {
      if (this.data.loadedVersion !== leadsVersion()) this.reload();
    },
    async onPullDownRefresh(): Promise<void> {
      await this.reload();
      wx.stopPullDownRefresh();
    },
    onReachBottom(): void {
      this.loadMore();
    },

    /** Stages and corp tags for the filters; the list works without them. */
    async loadOptions(): Promise<void> {
      const [stages, tags] = await Promise.all([api.stages().catch(() => []), api.tags().catch(() => [])]);
      this.setData({
        stageOptions: [ALL_STAGES, ...stages.map((s) => ({ value: s.stage, label: s.label }))],
        tagOptions: [ALL_TAGS, ...tags.map((t) => ({ value: t.name, label: t.name }))],
      });
    },

    query(cursor: string | null): LeadQuery {
      const d = this.data;
      return {
        scope: d.scope,
        q: d.q.trim() || undefined,
        grade: d.gradeOptions[d.gradeIndex].value || undefined,
        stage: d.stageOptions[d.stageIndex].value || undefined,
        channelId: d.channelOptions[d.channelIndex].value || undefined,
        tag: d.tagOptions[d.tagIndex].value || undefined,
        sort: d.sortOptions[d.sortIndex].value,
        cursor: cursor ?? undefined,
      };
    },

    filtered(): boolean {
      const d = this.data;
      return !!d.q.trim() || d.gradeIndex > 0 || d.stageIndex > 0 || d.channelIndex > 0 || d.tagIndex > 0;
    },

    /** Channels to filter by: those of the leads seen so far (the contract has no channel list). */
    withChannels(items: LeadCard[]): Option[] {
      const options = new Map(this.data.channelOptions.slice(1).map((o) => [o.value, o]));
      for (const lead of items) if (lead.channel) options.set(String(lead.channel.id), { value: String(lead.channel.id), label: lead.channel.name });
      return [ALL_CHANNELS, ...Array.from(options.values()).sort((a, b) => a.label.localeCompare(b.label, 'zh'))];
    },

    async reload(): Promise<void> {
      const seq = ++querySeq;
      const selectedChannel = this.data.channelOptions[this.data.channelIndex].value;
      this.setData({ state: 'loading', items: [], nextCursor: null, moreError: '', loadingMore: false, loadedVersion: leadsVersion() });
      try {
        const page = await api.leads(this.query(null));
        if (seq !== querySeq) return;
        const channelOptions = this.withChannels(page.items);
        this.setData({
          items: page.items,
          nextCursor: page.nextCursor,
          channelOptions,
          channelIndex: Math.max(0, channelOptions.findIndex((o) => o.value === selectedChannel)),
          state: page.items.length ? 'ready' : 'empty',
          emptyText: this.filtered() ? '没有符合条件的线索' : EMPTY_TEXT[this.data.scope],
        });
      } catch (error) {
        if (seq !== querySeq) return;
        this.setData({ state: 'error', errorText: messageOf(error) });
      }
    },

    async loadMore(): Promise<void> {
      const { nextCursor, loadingMore, state } = this.data;
      if (!nextCursor || loadingMore || state !== 'ready') return;
      const seq = querySeq;
      this.setData({ loadingMore: true, moreError: '' });
      try {
        const page = await api.leads(this.query(nextCursor));
        if (seq !== querySeq) return;
        const seen = new Set(this.data.items.map((l) => l.id));
        const items = this.data.items.concat(page.items.filter((l) => !seen.has(l.id)));
        this.setData({ items, nextCursor: page.nextCursor, loadingMore: false, channelOptions: this.withChannels(page.items) });
      } catch (error) {
        if (seq !== querySeq) return;
        this.setData({ loadingMore: false, moreError: messageOf(error) });
      }
    },

    onTab(event: WechatMiniprogram.TouchEvent): void {
      const scope = event.currentTarget.dataset.scope as LeadScope;
      if (scope === this.data.scope) return;
      this.setData({ scope });
      this.reload();
    },
    onSearchInput(event: WechatMiniprogram.Input): void {
      this.setData({ q: event.detail.value });
    },
    onSearch(): void {
      this.reload();
    },
    onGrade(event: WechatMiniprogram.PickerChange): void {
      this.setData({ gradeIndex: Number(event.detail.value) });
      this.reload();
    },
    onStage(event: WechatMiniprogram.PickerChange): void {
      this.setData({ stageIndex: Number(event.detail.value) });
      this.reload();
    },
    onChannel(event: WechatMiniprogram.PickerChange): void {
      this.setData({ channelIndex: Number(event.detail.value) });
      this.reload();
    },
    onTag(event: WechatMiniprogram.PickerChange): void {
      this.setData({ tagIndex: Number(event.detail.value) });
      this.reload();
    },
    onSort(event: WechatMiniprogram.PickerChange): void {
      this.setData({ sortIndex: Number(event.detail.value) });
      this.reload();
    },
    openLead(event: WechatMiniprogram.CustomEvent<{ id: number }>): void {
      wx.navigateTo({ url: `/pages/lead/lead?id=${event.detail.id}` });
    },
    goStats(): void {
      wx.navigateTo({ url: '/pages/stats/stats' });
    },
    goChatSearch(): void {
      wx.navigateTo({ url: '/pages/chat-search/chat-search' });
    },
    goEntry(): void {
      wx.navigateTo({ url: '/pages/entry/entry' });
    },
  },
});
