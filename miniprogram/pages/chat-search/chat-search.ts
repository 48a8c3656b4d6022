import { ApiError, api, messageOf, toast } from '../../utils/api';
import { firstPageWithHits, hitSummary } from '../../utils/chats';
import { formatDateTime } from '../../utils/format';
import { hasRole, memberOrSignIn } from '../../utils/session';
import type { ChatSearchHit } from '../../utils/types';

const PAGE_SIZE = 20;

function hitView(hit: ChatSearchHit) {
  return {
    key: `h${hit.id}`,
    leadId: hit.lead.id,
    leadName: hit.lead.name || '未命名客户',
    group: hit.room ? `群聊「${hit.room.name}」` : '',
    summary: hitSummary(hit),
    time: formatDateTime(hit.sentAt),
  };
}

/** Increments on every search, so a slow reply to an older word is ignored. */
let searchSeq = 0;

/**
 * 聊天搜索, for managers (linked from the lead list's header): a word searched in the archived chats
 * of their teams' leads, newest first, more on scrolling; a hit opens its lead.
 */
Component({
  data: {
    query: '',
    searched: '',
    state: 'idle',
    errorText: '',
    hits: [] as ReturnType<typeof hitView>[],
    nextCursor: null as string | null,
    loadingMore: false,
  },
  methods: {
    onLoad(): void {
      const member = memberOrSignIn();
      if (member && !hasRole(member, 'manager') && !hasRole(member, 'admin')) this.setData({ state: 'forbidden', errorText: '聊天搜索仅主管可用' });
    },
    onQuery(event: WechatMiniprogram.Input): void {
      this.setData({ query: event.detail.value });
    },

    async search(): Promise<void> {
      const q = this.data.query.trim();
      if (!q) {
        toast('请输入搜索词');
        return;
      }
      const seq = ++searchSeq;
      this.setData({ searched: q, state: 'loading', errorText: '', hits: [], nextCursor: null });
      try {
        const page = await firstPageWithHits((before) => api.searchChats({ q, before, limit: PAGE_SIZE }));
        if (seq !== searchSeq) return;
        this.setData({ state: page.items.length ? 'ready' : 'empty', hits: page.items.map(hitView), nextCursor: page.nextCursor });
      } catch (error) {
        if (seq !== searchSeq) return;
        this.setData({ state: 'error', errorText: error instanceof ApiError && error.status === 403 ? '聊天搜索仅主管可用' : messageOf(error) });
      }
    },

    async onReachBottom(): Promise<void> {
      const { nextCursor, loadingMore, searched, state } = this.data;
      if (state !== 'ready' || !nextCursor || loadingMore) return;
      const seq = searchSeq;
      this.setData({ loadingMore: true });
      try {
        const page = await firstPageWithHits((before) => api.searchChats({ q: searched, before, limit: PAGE_SIZE }), nextCursor);
        if (seq !== searchSeq) return;
        this.setData({ hits: [...this.data.hits, ...page.items.map(hitView)], nextCursor: page.nextCursor });
      } catch (error) {
        toast(messageOf(error));
      } finally {
        this.setData({ loadingMore: false });
      }
    },

    openLead(event: WechatMiniprogram.TouchEvent): void {
      wx.navigateTo({ url: `/pages/lead/lead?id=${Number(event.currentTarget.dataset.id)}` });
    },
  },
});
