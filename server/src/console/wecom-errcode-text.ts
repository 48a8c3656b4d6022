/**
 * What WeCom's errcodes mean, in the Chinese an operator reads in the console (wecom-reference.md
 * §3 and §8). Only the codes Xiansuo meets; the number itself is always shown beside it, as it is
 * what WeCom's own error-code lookup and support ask for.
 */
const MEANINGS: Record<number, string> = {
  [-1]: '企业微信系统繁忙',
  40001: 'Secret 不正确',
  40003: '成员账号不正确',
  40013: '企业 ID 不正确',
  40014: '访问凭证无效',
  40096: '客户账号不正确',
  41001: '缺少访问凭证',
  41004: '缺少 Secret',
  41050: '欢迎语码已失效（超过 20 秒）',
  41051: '欢迎语码已被使用',
  42001: '访问凭证已过期',
  45009: '调用频率超过限制',
  45033: '同时调用的请求过多',
  48002: '接口无权限调用',
  60011: '成员不在应用的可见范围内',
  60020: '服务器 IP 不在企业可信 IP 中',
  84061: '成员与客户之间没有好友关系',
  84074: '没有客户联系权限',
};

/** 「错误码 60020：服务器 IP 不在企业可信 IP 中」 */
export function errcodeText(errcode: number): string {
  return `错误码 ${errcode}：${MEANINGS[errcode] ?? '企业微信拒绝了请求'}`;
}
