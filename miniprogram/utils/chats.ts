/**
 * How a lead's archived chats read on a phone: bubbles oldest at the top (the server pages newest
 * first), a time line between messages more than five minutes apart, group messages labelled with
 * the group, recalled ones marked, files, voice and links as cards; the response times line; and
 * the paging state of 「加载更早的消息」. Pure functions: the component and the search page render them.
 */
import { formatDateTime } from './format';
import type { ChatMessageView, ChatResponseTimes } from './types';

/** Messages further apart than this get a time line between them. */
const SEPARATOR_GAP_MS = 5 * 60_000;

const TYPE_LABELS: Record<string, string> = {
  image: '[图片]',
  voice: '[语音]',
  video: '[视频]',
  file: '[文件]',
  link: '[链接]',
  emotion: '[表情]',
  weapp: '[小程序]',
  card: '[名片]',
  location: '[位置]',
  redpacket: '[红包]',
  meeting_voice_call: '[语音通话]',
  voip_doc_share: '[文档]',
  mixed: '[图文]',
  chatrecord: '[聊天记录]',
};

const MEDIA_NOTES: Record<string, string> = {
  pending: '文件下载中，请稍后查看',
  failed: '文件下载失败',
  too_large: '文件过大，未保存',
};

export type BubbleKind = 'text' | 'image' | 'file' | 'voice' | 'link' | 'other';

export interface ChatRow {
  key: string;
  separator: string;
  id: number;
  side: 'left' | 'right';
  name: string;
  group: string;
  recalled: boolean;
  kind: BubbleKind;
  text: string;
  /** The media path on the server when the file is stored, else ''. */
  mediaUrl: string;
  mediaNote: string;
  title: string;
  detail: string;
  link: string;
  time: string;
}

/** `512 B`, `2.0 KB`, `1.5 MB`. */
export function formatBytes(size: number | null | undefined): string {
  if (size === null || size === undefined || !Number.isFinite(size) || size < 0) return '';
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/** Whole minutes under ten read as they are; a fraction only where it says something (0.5 分钟). */
export function minutesText(minutes: number): string {
  if (minutes < 10) return String(Math.round(minutes * 10) / 10);
  return String(Math.round(minutes));
}

function kindOf(m: ChatMessageView): BubbleKind {
  if (m.msgtype === 'text') return 'text';
  if (m.msgtype === 'image' || m.msgtype === 'emotion') return 'image';
  if (m.file) return 'file';
  if (m.voice) return 'voice';
  if (m.link) return 'link';
  return 'other';
}

function rowOf(m: ChatMessageView, separator: string, now: Date): ChatRow {
  const kind = kindOf(m);
  const row: ChatRow = {
    key: `m${m.id}`,
    separator,
    id: m.id,
    side: m.direction === 'rep' ? 'right' : 'left',
    name: m.sender.name,
    group: m.room ? `群聊「${m.room.name}」` : '',
    recalled: m.recalled,
    kind,
    text: m.text ?? '',
    mediaUrl: m.media?.status === 'stored' && m.media.url ? m.media.url : '',
    mediaNote: m.media ? MEDIA_NOTES[m.media.status] ?? '' : '',
    title: '',
    detail: '',
    link: '',
    time: formatDateTime(m.sentAt, now),
  };
  if (kind === 'file') {
    row.title = m.file!.name;
    row.detail = formatBytes(m.file!.size ?? m.media?.size);
  } else if (kind === 'voice') {
    row.title = '语音';
    row.detail = m.voice!.seconds !== null ? `${m.voice!.seconds} 秒` : '';
  } else if (kind === 'link') {
    row.title = m.link!.title;
    row.detail = m.link!.description ?? '';
    row.link = m.link!.url;
  } else if (kind === 'other' || (kind === 'text' && !row.text)) {
    row.text = row.text || TYPE_LABELS[m.msgtype] || '[消息]';
  }
  return row;
}

/** The bubbles of messages the server gave newest first: oldest first, with time lines. */
export function chatRows(newestFirst: ChatMessageView[], now: Date = new Date()): ChatRow[] {
  const rows: ChatRow[] = [];
  let previous: number | null = null;
  for (const m of [...newestFirst].reverse()) {
    const at = new Date(m.sentAt).getTime();
    const separator = previous === null || at - previous > SEPARATOR_GAP_MS ? formatDateTime(m.sentAt, now) : '';
    rows.push(rowOf(m, separator, now));
    previous = at;
  }
  return rows;
}

/** 首次响应 X 分钟 · 平均 Y 分钟 · 客户已等待 Z 分钟; '' when there is nothing to say. */
export function responseTimesLine(times: ChatResponseTimes | null | undefined, now: Date = new Date()): string {
  if (!times) return '';
  const parts: string[] = [];
  if (times.firstResponseMinutes !== null) parts.push(`首次响应 ${minutesText(times.firstResponseMinutes)} 分钟`);
  if (times.averageResponseMinutes !== null) parts.push(`平均 ${minutesText(times.averageResponseMinutes)} 分钟`);
  if (times.waitingSince) {
    const waited = Math.max(0, Math.floor((now.getTime() - new Date(times.waitingSince).getTime()) / 60_000));
    parts.push(`客户已等待 ${waited} 分钟`);
  }
  return parts.join(' · ');
}

/** What a chat list holds between pages: every message loaded so far (newest first) and where the next page starts. */
export interface ChatPaging {
  items: ChatMessageView[];
  nextCursor: string | null;
}

/** The first page replaces what was there (a new lead or a new search word). */
export function firstPage(page: ChatPaging): ChatPaging {
  return { items: page.items, nextCursor: page.nextCursor };
}

/** An older page goes after (older than) what is loaded; a message seen twice is kept once. */
export function olderPage(current: ChatPaging, page: ChatPaging): ChatPaging {
  const seen = new Set(current.items.map((m) => m.id));
  return { items: [...current.items, ...page.items.filter((m) => !seen.has(m.id))], nextCursor: page.nextCursor };
}

/** One line for a search hit: who said what (`[图片]` for a message without text). */
export function hitSummary(m: ChatMessageView): string {
  const said = m.recalled ? `（已撤回）${m.text ?? ''}` : m.text || TYPE_LABELS[m.msgtype] || '[消息]';
  return `${m.sender.name}：${said}`;
}

/** Empty pages read past at most, before a search shows 「没有找到」 (each reads up to 8,000 messages). */
export const MAX_EMPTY_PAGES = 10;

/**
 * A page of a word search may come back empty with a nextCursor: the server reads the archive in
 * fixed windows and found nothing in these. Keep reading back until a page has hits or the
 * messages end (bounded), so a rare word is not reported as not found.
 */
export async function firstPageWithHits<R extends { items: unknown[]; nextCursor: string | null }>(fetch: (before: string | undefined) => Promise<R>, before?: string): Promise<R> {
  let reply = await fetch(before);
  for (let round = 1; round < MAX_EMPTY_PAGES && reply.items.length === 0 && reply.nextCursor; round++) reply = await fetch(reply.nextCursor);
  return reply;
}
