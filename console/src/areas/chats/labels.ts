import type { ChatMessageView } from './types';

/** WeCom's msgtypes as a person names them. */
const MSGTYPE_LABELS: Record<string, string> = {
  text: '文字',
  image: '图片',
  voice: '语音',
  video: '视频',
  file: '文件',
  link: '链接',
  weapp: '小程序',
  emotion: '表情',
  location: '位置',
  card: '名片',
  mixed: '图文',
  markdown: '图文',
  news: '图文',
  chatrecord: '聊天记录',
  redpacket: '红包',
  meeting_voice_call: '语音通话',
  voip_doc_share: '文档',
};

export const msgtypeLabel = (msgtype: string) => MSGTYPE_LABELS[msgtype] ?? '其他消息';

/** What a message says in one line (search results): its words, else its kind in brackets. */
export function messageSummary(m: ChatMessageView): string {
  if (m.msgtype === 'text' && m.text) return m.text;
  if (m.file) return `[文件] ${m.file.name}`;
  if (m.link) return `[链接] ${m.link.title}`;
  if (m.voice) return `[语音]${m.voice.seconds ? ` ${m.voice.seconds} 秒` : ''}`;
  return m.text ? `[${msgtypeLabel(m.msgtype)}] ${m.text}` : `[${msgtypeLabel(m.msgtype)}]`;
}

/** Why a media file is not shown, per its status. */
export function mediaStatusText(status: NonNullable<ChatMessageView['media']>['status'], kind: string): string {
  if (status === 'pending') return `${kind}下载中，稍后刷新查看`;
  if (status === 'too_large') return `${kind}过大，未保存`;
  if (status === 'failed') return `${kind}下载失败`;
  return `${kind}不可查看`;
}

export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "6 分钟", "1.5 小时", "2 天 3 小时": a response time or a wait. */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${Number(minutes.toFixed(1))} 分钟`;
  const hours = minutes / 60;
  if (hours < 24) return `${Number(hours.toFixed(1))} 小时`;
  const days = Math.floor(hours / 24);
  const rest = Math.floor(hours - days * 24);
  return rest ? `${days} 天 ${rest} 小时` : `${days} 天`;
}

/**
 * The text cut where `word` occurs (case-insensitively), for highlighting without v-html: the
 * parts alternate between plain and matched.
 */
export function splitOnMatches(text: string, word: string | null | undefined): Array<{ text: string; match: boolean }> {
  const needle = word?.trim().toLowerCase();
  if (!needle) return [{ text, match: false }];
  const lower = text.toLowerCase();
  const parts: Array<{ text: string; match: boolean }> = [];
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, from)) {
    if (at > from) parts.push({ text: text.slice(from, at), match: false });
    parts.push({ text: text.slice(at, at + needle.length), match: true });
    from = at + needle.length;
  }
  if (from < text.length) parts.push({ text: text.slice(from), match: false });
  return parts;
}
