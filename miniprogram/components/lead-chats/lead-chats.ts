import { ApiError, api, downloadMedia, messageOf, toast } from '../../utils/api';
import { chatRows, type ChatPaging, firstPage, firstPageWithHits, olderPage, responseTimesLine } from '../../utils/chats';

const PAGE_SIZE = 30;
const FORBIDDEN = '聊天记录仅线索负责人及其主管可见';

/**
 * The 「聊天记录」 section of a lead: closed until tapped (the archive is read only when asked for),
 * then the latest page of the lead's archived chats as bubbles, 「加载更早的消息」, a search box over
 * this lead's chats, the response times line; images downloaded with the session (wx.downloadFile),
 * files and voice opened on tap, links copied. States: loading, empty, archive off, no permission
 * (403), error with 重试.
 */
Component({
  properties: {
    leadId: { type: Number, value: 0 },
  },
  data: {
    open: false,
    state: 'idle',
    errorText: '',
    query: '',
    searched: '',
    paging: { items: [], nextCursor: null } as ChatPaging,
    rows: [] as ReturnType<typeof chatRows>,
    responseLine: '',
    loadingMore: false,
    images: {} as Record<number, string>,
  },
  methods: {
    toggle(): void {
      const open = !this.data.open;
      this.setData({ open });
      if (open && this.data.state === 'idle') this.load();
    },

    async load(): Promise<void> {
      const leadId = this.data.leadId;
      if (!leadId) return;
      const q = this.data.searched;
      this.setData({ state: 'loading', errorText: '' });
      try {
        const reply = await firstPageWithHits((before) => api.leadChats(leadId, { q: q || undefined, before, limit: PAGE_SIZE }));
        const paging = firstPage(reply);
        let state = 'ready';
        if (!paging.items.length) state = !reply.archive.on && !q ? 'off' : 'empty';
        this.setData({ state, paging, rows: chatRows(paging.items), responseLine: responseTimesLine(reply.responseTimes) });
        this.fetchImages();
      } catch (error) {
        if (error instanceof ApiError && error.status === 403) this.setData({ state: 'forbidden', errorText: FORBIDDEN });
        else this.setData({ state: 'error', errorText: messageOf(error) });
      }
    },

    async loadOlder(): Promise<void> {
      const { paging, loadingMore, leadId, searched } = this.data;
      if (loadingMore || !paging.nextCursor) return;
      this.setData({ loadingMore: true });
      try {
        const reply = await firstPageWithHits((before) => api.leadChats(leadId, { q: searched || undefined, before, limit: PAGE_SIZE }), paging.nextCursor);
        const next = olderPage(paging, reply);
        this.setData({ paging: next, rows: chatRows(next.items) });
        this.fetchImages();
      } catch (error) {
        toast(messageOf(error));
      } finally {
        this.setData({ loadingMore: false });
      }
    },

    onQuery(event: WechatMiniprogram.Input): void {
      this.setData({ query: event.detail.value });
    },
    search(): void {
      this.setData({ searched: this.data.query.trim() });
      this.load();
    },
    clearSearch(): void {
      this.setData({ query: '', searched: '' });
      this.load();
    },

    /** Each stored image once, with the session: an <image> cannot send the Authorization header. */
    fetchImages(): void {
      for (const row of this.data.rows) {
        if (row.kind !== 'image' || !row.mediaUrl || this.data.images[row.id]) continue;
        downloadMedia(row.mediaUrl)
          .then((path) => this.setData({ [`images.${row.id}`]: path }))
          .catch(() => undefined);
      }
    },

    previewImage(event: WechatMiniprogram.TouchEvent): void {
      const path = this.data.images[Number(event.currentTarget.dataset.id)];
      if (path) wx.previewImage({ urls: [path], current: path });
    },

    /** A file opens in WeChat's document viewer, a voice note plays; what is not stored says why. */
    async openMedia(event: WechatMiniprogram.TouchEvent): Promise<void> {
      const row = this.data.rows.find((r) => r.id === Number(event.currentTarget.dataset.id));
      if (!row) return;
      if (!row.mediaUrl) {
        toast(row.mediaNote || '文件不存在或尚未下载');
        return;
      }
      try {
        const path = await downloadMedia(row.mediaUrl);
        if (row.kind === 'voice') {
          const audio = wx.createInnerAudioContext();
          audio.src = path;
          audio.play();
        } else {
          wx.openDocument({ filePath: path, showMenu: true, fail: () => toast('该文件无法在手机上打开') });
        }
      } catch (error) {
        toast(messageOf(error));
      }
    },

    /** A mini-program cannot open any web page: the link is copied for the browser. */
    copyLink(event: WechatMiniprogram.TouchEvent): void {
      const url = String(event.currentTarget.dataset.url ?? '');
      if (url) wx.setClipboardData({ data: url });
    },
  },
});
