import type { Context, Next } from 'koa';
import { ZodError, type ZodIssue } from 'zod';
import { HttpError } from '../http/errors';
import { WecomApiError, WecomNetworkError } from '../wecom/errors';

/**
 * The console shows the server's message to the operator as it is, so the channel routes answer
 * in Chinese: the shared channel commands and schemas speak English to the admin API's
 * integrators. This turns their validation errors, "not found" and WeCom's refusals into
 * messages an operator can act on; the machine-readable code and `fields` stay as they were.
 */

const FIELD_LABELS: Record<string, string> = {
  name: '渠道名称',
  userIds: '接待成员',
  tags: '标签',
  welcomeText: '欢迎语',
  welcomeMiniprogram: '小程序卡片',
  'welcomeMiniprogram.title': '小程序卡片标题',
  'welcomeMiniprogram.appid': '小程序 AppID',
  'welcomeMiniprogram.page': '小程序页面路径',
  'welcomeMiniprogram.picMediaId': '小程序封面素材',
  from: '开始日期',
  to: '结束日期',
};

function labelOf(path: PropertyKey[]): string {
  const named = path.filter((p): p is string => typeof p === 'string');
  return FIELD_LABELS[named.join('.')] ?? FIELD_LABELS[named[0] ?? ''] ?? '请求内容';
}

function reasonOf(issue: ZodIssue): string {
  const i = issue as ZodIssue & { origin?: string; minimum?: number | bigint; maximum?: number | bigint };
  const unit = i.origin === 'array' ? '个' : '个字';
  switch (issue.code) {
    case 'too_small':
      return Number(i.minimum) <= 1 ? (i.origin === 'array' ? '至少选择 1 个' : '不能为空') : `至少 ${String(i.minimum)} ${unit}`;
    case 'too_big':
      return `最多 ${String(i.maximum)} ${unit}`;
    case 'invalid_type':
      return /received undefined/.test(issue.message) ? '必须填写' : '格式不正确';
    case 'custom':
      return /bytes|at most/.test(issue.message) ? '过长' : '不正确';
    default:
      return '格式不正确';
  }
}

/** One Chinese sentence for a failed validation: each field once, with its first problem. */
export function validationMessage(error: ZodError): string {
  if (error.issues.some((i) => i.path[0] === 'from' || i.path[0] === 'to')) {
    return '日期范围不正确：开始日期不能晚于结束日期，最长 366 天';
  }
  const seen = new Map<string, string>();
  for (const issue of error.issues) {
    const label = labelOf(issue.path);
    if (!seen.has(label)) seen.set(label, `${label}${reasonOf(issue)}`);
  }
  return `输入有误：${[...seen.values()].join('；')}`;
}

/** WeCom's refusals of a 「联系我」 create or edit that the operator can fix, and how. */
const WECOM_REASONS: Record<number, { status: number; message: string }> = {
  40003: { status: 400, message: '接待成员不是企业微信中的成员，请检查后重试' },
  41041: { status: 400, message: '一个渠道最多 100 位接待成员' },
  60011: { status: 400, message: '接待成员不在应用的可见范围内，请在企业微信管理后台调整后重试' },
  48002: { status: 502, message: '企业微信未授权本应用使用客户联系接口，请到「接入检查」查看处理方法' },
  84074: { status: 502, message: '接待成员没有客户联系权限，请在企业微信管理后台开启后重试' },
  60020: { status: 502, message: '企业微信拒绝了本服务器的 IP（未设为企业可信 IP），请到「接入检查」查看处理方法' },
  45009: { status: 503, message: '企业微信请求过于频繁，请稍后重试' },
};

export function consoleChannelErrors() {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof ZodError) {
        throw new HttpError(400, 'validation_failed', validationMessage(error), {
          fields: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      }
      if (error instanceof HttpError && error.code === 'not_found' && error.message === 'channel not found') {
        throw new HttpError(404, 'not_found', '渠道不存在或已删除');
      }
      if (error instanceof HttpError && error.code === 'validation_failed' && error.message.startsWith('a single-rep channel')) {
        throw new HttpError(400, 'validation_failed', '单人渠道不能改为多人渠道（多人也不能改为单人），请新建一个渠道', error.details);
      }
      if (error instanceof HttpError && error.code === 'validation_failed' && error.message === 'nothing to update') {
        throw new HttpError(400, 'validation_failed', '没有要修改的内容', error.details);
      }
      if (error instanceof WecomApiError) {
        const known = WECOM_REASONS[error.errcode];
        throw new HttpError(known?.status ?? 502, 'wecom_error', known?.message ?? '企业微信暂时无法完成请求，请稍后再试', {
          errcode: error.errcode,
        });
      }
      if (error instanceof WecomNetworkError) throw new HttpError(502, 'wecom_unreachable', '无法连接企业微信，请稍后重试');
      throw error;
    }
  };
}
