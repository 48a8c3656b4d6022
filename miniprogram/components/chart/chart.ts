import { Axis, Canvas, Chart, Interval, jsx } from '@antv/f2';

/** One bar or funnel step: what is drawn (`value`) and what is written beside it (`display`). */
export interface ChartItem {
  label: string;
  value: number;
  display: string;
}

const PALETTE = ['#0052d9', '#266fe8', '#4787f0', '#699ef5', '#8eb8fa', '#b5d0fb'];

/** F2's jsx() without JSX: its typings expect each component's exact props, checked by F2 at run time. */
const h = jsx as unknown as (type: unknown, props: Record<string, unknown>) => ReturnType<typeof jsx>;

/** The F2 canvas of each chart on screen, to redraw or destroy it. */
const canvases = new WeakMap<object, Canvas>();

function chartElement(type: string, data: { label: string; value: number }[]) {
  if (type === 'funnel') {
    return h(Chart, {
      // A transposed coordinate puts the first category at the bottom: reversed, the first step
      // (the widest, new leads) is drawn at the top, as a funnel reads.
      data: [...data].reverse(),
      coord: { transposed: true },
      scale: { value: { min: 0 } },
      children: [h(Interval, { x: 'label', y: 'value', adjust: 'symmetric', shape: 'funnel', color: { field: 'label', range: PALETTE } })],
    });
  }
  return h(Chart, {
    // Top to bottom in the order of the rows written below the chart (see the funnel).
    data: [...data].reverse(),
    coord: { transposed: true },
    scale: { value: { min: 0, nice: true } },
    children: [h(Axis, { field: 'label' }), h(Axis, { field: 'value' }), h(Interval, { x: 'label', y: 'value', color: '#0052d9' })],
  });
}

/**
 * A chart drawn with AntV F2 on a 2d canvas (`type`: bar or funnel), with the same figures
 * written out below it in rows (label, a proportional bar, the value in Chinese), so the numbers
 * read without the drawing too — and page tests, which have no canvas, can assert them.
 */
Component({
  properties: {
    type: { type: String, value: 'bar' },
    items: { type: Array, value: [] as ChartItem[] },
    height: { type: Number, value: 220 },
    emptyText: { type: String, value: '暂无数据' },
  },
  data: {
    rows: [] as (ChartItem & { percent: number })[],
  },
  observers: {
    items(items: ChartItem[]): void {
      const max = Math.max(0, ...items.map((i) => i.value));
      this.setData({ rows: items.map((i) => ({ ...i, percent: max > 0 ? Math.round((i.value / max) * 100) : 0 })) });
      wx.nextTick(() => this.draw());
    },
  },
  lifetimes: {
    ready(): void {
      this.draw();
    },
    detached(): void {
      canvases.get(this)?.destroy();
      canvases.delete(this);
    },
  },
  methods: {
    draw(): void {
      const items = this.data.items as ChartItem[];
      if (!items.length) return;
      this.createSelectorQuery()
        .select('#chart-canvas')
        .fields({ node: true, size: true })
        .exec((res) => {
          const info = res && res[0];
          // No canvas node (an old base library, or a test renderer): the rows below still tell it.
          if (!info || !info.node) return;
          const node = info.node as WechatMiniprogram.Canvas;
          const pixelRatio = wx.getWindowInfo().pixelRatio || 2;
          node.width = info.width * pixelRatio;
          node.height = info.height * pixelRatio;
          canvases.get(this)?.destroy();
          const canvas = new Canvas({
            context: node.getContext('2d') as never,
            pixelRatio,
            width: info.width,
            height: info.height,
            animate: false,
            children: chartElement(this.data.type, items.map((i) => ({ label: i.label, value: i.value }))),
          });
          canvas.render();
          canvases.set(this, canvas);
        });
    },
  },
});
