/** One archived chat message as the console reads it (GET /api/console/leads/:id/chats, docs/api.md "Chat archive"). */
export interface ChatMessageView {
  id: number;
  msgtype: string;
  direction: 'customer' | 'rep';
  /** The rep's name, or the lead's name for the customer. */
  sender: { userId: string | null; name: string };
  /** The searchable words, phone numbers masked. */
  text: string | null;
  recalled: boolean;
  sentAt: string;
  /** The customer group it was said in; null for a 1:1 chat. */
  room: { id: string; name: string } | null;
  /** url: the same-origin media route, cookie-authenticated, when the file is stored. */
  media: { status: 'pending' | 'stored' | 'failed' | 'too_large'; size: number | null; url: string | null } | null;
  link: { title: string; description: string | null; url: string } | null;
  file: { name: string; size: number | null } | null;
  voice: { seconds: number | null } | null;
}

export interface ResponseTimes {
  firstResponseMinutes: number | null;
  averageResponseMinutes: number | null;
  responses: number;
  /** The customer has waited for an answer since then; null when nobody is waiting. */
  waitingSince: string | null;
}

/** GET /api/console/leads/:id/chats: newest first; `nextCursor` pages back in time. */
export interface LeadChatsPage {
  archive: { on: boolean };
  items: ChatMessageView[];
  nextCursor: string | null;
  responseTimes: ResponseTimes;
}

export type ChatSearchHit = ChatMessageView & { lead: { id: number; name: string } };

/** GET /api/console/chats/search (managers and admins). */
export interface ChatSearchPage {
  items: ChatSearchHit[];
  nextCursor: string | null;
}
