import { errcodeText } from './wecom-errcode-text';

/**
 * The console's words for what sits in the queues (docs/api.md §19): the kind of each row and
 * why a dead one died. The stored error stays as it is (English, for engineers and the admin
 * API); an operator reads these.
 */
const INBOX_KINDS: Record<string, string> = {
  'contact.added': '客户添加了成员',
  'contact.edited': '客户资料变更',
  'contact.deleted': '客户关系解除',
  'contact.transfer_failed': '客户接替失败',
  'group.changed': '客户群变更',
  'tag.changed': '企业标签变更',
  'archive.notify': '会话存档通知',
  unknown: '其他事件',
};

const JOB_KINDS: Record<string, string> = {
  welcome: '发送欢迎语',
  mark_tag: '给客户打标签',
  notify_rep: '通知销售',
  'lead.assign': '分配线索',
  'lead.rescore': '重新评分',
  'lead.push_tags': '同步标签到企业微信',
  'timeline.deferred': '补写线索动态',
  'archive.media': '下载会话存档文件',
  'archive.pull': '拉取会话存档',
};

/** Domain events (events/types.ts) and their subscribers (events/registry.ts), run as `event:<name>` jobs. */
const EVENT_NAMES: Record<string, string> = {
  'lead.captured': '新线索的后续处理',
  'lead.owner_changed': '负责人变更的后续处理',
  'lead.stage_changed': '阶段变更的后续处理',
  'lead.converted': '成交的后续处理',
  'lead.tagged': '打标签的后续处理',
  'lead.grade_changed': '等级变化的后续处理',
  'lead.relation_lost': '客户流失的后续处理',
  'customer.message_received': '客户消息的后续处理',
  'member.message_sent': '成员消息的后续处理',
  'channel-tags': '打上渠道标签',
  'notify-added-rep': '通知销售有新客户',
  'notify-owner-change': '通知负责人变更',
  'assign-captured': '分配新线索',
  'assign-returned': '重新分配退回的线索',
  'nurture-enroll-on-capture': '新线索加入培育',
  'nurture-enroll-on-grade': '按等级加入培育',
  'nurture-enroll-on-tag': '按标签加入培育',
  'nurture-exit-on-message': '客户回复后退出培育',
  'nurture-exit-on-relation-lost': '客户流失后退出培育',
  'nurture-exit-on-stage': '阶段变化后退出培育',
  'chat-read-customer-intent': '识别客户聊天意向',
  'chat-alert-sensitive-words': '敏感词提醒主管',
  'chat-attach-earlier': '归档线索创建前的聊天记录',
};

export function kindLabel(queue: 'inbox' | 'welcomes' | 'jobs', kind: string): string {
  if (queue === 'welcomes') return '发送欢迎语';
  if (queue === 'inbox') return INBOX_KINDS[kind] ?? '其他事件';
  if (kind.startsWith('event:')) return EVENT_NAMES[kind.slice('event:'.length)] ?? '事件的后续处理';
  return JOB_KINDS[kind] ?? '其他任务';
}

/** WeCom APIs the workers call, named by what they do. */
const API_NAMES: Record<string, string> = {
  gettoken: '获取访问凭证',
  'externalcontact/get': '读取客户详情',
  'externalcontact/mark_tag': '给客户打标签',
  'externalcontact/send_welcome_msg': '发送欢迎语',
  'externalcontact/get_corp_tag_list': '读取企业标签',
  'externalcontact/add_corp_tag': '创建企业标签',
  'externalcontact/add_msg_template': '创建群发消息',
  'externalcontact/get_follow_user_list': '读取开通客户联系的成员',
  'externalcontact/groupchat/get': '读取客户群详情',
  'message/send': '发送应用消息',
};

/** Why a row failed, in Chinese, with WeCom's errcode when there was one. */
export function describeQueueError(lastError: string | null): { summary: string; errcode: number | null } | null {
  if (!lastError) return null;
  const api = /^WeCom (\S+) failed: errcode (-?\d+)/.exec(lastError);
  if (api) {
    const errcode = Number(api[2]);
    return { summary: `企业微信「${API_NAMES[api[1]] ?? '接口调用'}」失败：${errcodeText(errcode)}`, errcode };
  }
  const unreachable = /^WeCom (\S+) unreachable/.exec(lastError);
  if (unreachable) return { summary: `无法连接企业微信（${API_NAMES[unreachable[1]] ?? '接口调用'}时超时或连接中断）`, errcode: null };
  if (/^WeCom \S+ not sent/.test(lastError)) return { summary: '等待企业微信调用额度超时，请求没有发出', errcode: null };
  if (/welcome code expired/.test(lastError)) return { summary: '欢迎语码已过期（超过 20 秒），无法再发送', errcode: null };
  if (/no handler for job kind/.test(lastError)) return { summary: '本版本不认识这种任务', errcode: null };
  return { summary: '处理失败，技术人员可复制原始错误信息排查', errcode: null };
}
