/**
 * The loading, empty and error states every page shows, in Chinese. Renders nothing when the
 * state is `ready` (the page shows its content then). The error state offers 重试 (event `retry`).
 */
Component({
  properties: {
    state: { type: String, value: 'loading' },
    loadingText: { type: String, value: '加载中…' },
    emptyText: { type: String, value: '暂无数据' },
    errorText: { type: String, value: '加载失败，请稍后重试' },
  },
  methods: {
    onRetry(): void {
      this.triggerEvent('retry');
    },
  },
});
