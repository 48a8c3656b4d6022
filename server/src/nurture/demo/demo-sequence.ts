import { Sequence, sequenceSchema, SequenceInput } from '../sequences/schema';

/** The `state` of the demo's expo channel QR code: demo mode creates the channel with it. */
export const DEMO_EXPO_CHANNEL_STATE = 'demoexpo';
export const DEMO_EXPO_SEQUENCE_KEY = 'expo-nurture';

type Delay = SequenceInput['steps'][number]['delay'];

/**
 * Each step's delay, real (what a marketer would run) and short (demo mode, so `npm start` shows
 * the whole series within minutes). Documented in README and docs/api.md.
 */
const DELAYS: Record<string, { real: Delay; demo: Delay }> = {
  awareness: { real: { from: 'enrollment', days: 1 }, demo: { from: 'enrollment', minutes: 1 } },
  consideration: { real: { from: 'previous_step', days: 4 }, demo: { from: 'previous_step', minutes: 2 } },
  'remind-hot': { real: { from: 'previous_step', days: 1 }, demo: { from: 'previous_step', minutes: 1 } },
  decision: { real: { from: 'previous_step', days: 4 }, demo: { from: 'previous_step', minutes: 2 } },
  'remind-close': { real: { from: 'previous_step', days: 2 }, demo: { from: 'previous_step', minutes: 1 } },
};

/**
 * The demo's example: a three-stage 「认知 → 考虑 → 决策」 series for leads met at an expo. One
 * useful piece of content per stage, a week and a half in all, each with the way to stop; the
 * rep is reminded when the lead warms up and when the series ends, so the sale stays a person's.
 */
export function demoExpoSequence(options: { shortDelays?: boolean } = {}): Sequence {
  const delay = (step: string) => (options.shortDelays ? DELAYS[step].demo : DELAYS[step].real);
  const input: SequenceInput = {
    key: DEMO_EXPO_SEQUENCE_KEY,
    name: '展会线索培育：认知 → 考虑 → 决策',
    description: '展会扫码或现场登记的客户，在 10 天左右收到三份资料：行业报告、同行案例、试用与报价说明；客户回复、退订或进入商机即停止。',
    enabled: true,
    triggers: [
      { type: 'channel_capture', channel: { state: DEMO_EXPO_CHANNEL_STATE } },
      { type: 'tag_added', tag: '展会' },
      { type: 'manual' },
    ],
    steps: [
      {
        id: 'awareness',
        name: '认知：展会资料与行业报告',
        delay: delay('awareness'),
        action: {
          type: 'push_content',
          text: {
            content:
              '您好，感谢您在展会上到访我们的展台！答应您的资料整理好了：《2026 企业客户运营趋势报告》，汇总了 300 家企业的获客与转化数据，5 分钟就能看完要点。\n有任何问题直接回复我即可。不想再收到此类资料，回复「退订」。',
          },
          attachments: [
            {
              msgtype: 'link',
              link: {
                title: '2026 企业客户运营趋势报告（展会版）',
                desc: '300 家企业的获客渠道、转化周期与投入产出数据',
                url: 'https://example.com/reports/2026-customer-ops?utm_source=expo',
                picurl: 'https://example.com/static/report-cover.png',
              },
            },
          ],
        },
      },
      {
        id: 'consideration',
        name: '考虑：同行案例',
        delay: delay('consideration'),
        condition: { tagsNone: ['无意向'] },
        action: {
          type: 'push_content',
          text: {
            content:
              '您好，上次的报告不知道是否有帮助？这里有一个和您行业相近的案例：一家 300 人的制造企业，用 3 个月把展会线索的跟进率从 40% 提到了 90%，文中有他们的具体做法。\n如果想了解适不适合贵公司，回复「方案」，我来为您安排。回复「退订」不再接收。',
          },
          attachments: [
            {
              msgtype: 'link',
              link: {
                title: '客户案例：展会线索跟进率从 40% 到 90%',
                desc: '制造行业 · 300 人规模 · 3 个月落地',
                url: 'https://example.com/cases/manufacturing-expo?utm_source=expo',
              },
            },
          ],
        },
      },
      {
        id: 'remind-hot',
        name: '提醒销售：客户升温',
        delay: delay('remind-hot'),
        condition: { grades: ['A', 'B'] },
        action: { type: 'remind_rep', text: '展会培育：您的一位展会客户已收到案例资料，评分已到 B 级以上，建议本周内电话回访，了解需求与预算。' },
      },
      {
        id: 'decision',
        name: '决策：试用与报价',
        delay: delay('decision'),
        condition: { tagsNone: ['无意向'] },
        action: {
          type: 'push_content',
          text: {
            content:
              '您好，展会期间的企业版优惠将在本月底结束：免费试用 30 天，并由顾问协助完成数据导入。下面的链接可以直接预约 30 分钟的线上演示，也可以回复您方便的时间，我来安排。\n回复「退订」不再接收。',
          },
          attachments: [
            {
              msgtype: 'link',
              link: {
                title: '预约企业版演示（30 分钟）',
                desc: '展会专享：免费试用 30 天 + 顾问协助上线',
                url: 'https://example.com/demo-booking?utm_source=expo',
              },
            },
          ],
        },
      },
      {
        id: 'remind-close',
        name: '提醒销售：序列结束',
        delay: delay('remind-close'),
        action: { type: 'remind_rep', text: '展会培育序列已结束：客户已收到全部三份资料。请在 3 天内电话回访，确认试用意向，或在小程序中标记跟进结果。' },
      },
    ],
    exits: {
      on: ['customer_reply', 'reached_sql', 'won', 'lost', 'customer_deleted_rep', 'opt_out_keyword', 'sequence_end'],
      optOutKeywords: ['退订', 'TD', '不需要'],
    },
  };
  return sequenceSchema.parse(input);
}
