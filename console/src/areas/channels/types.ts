/** The shapes of /api/console/channels (server/src/routes/console/channels.ts). */

export interface WelcomeMiniprogram {
  title: string;
  appid: string;
  page: string;
  picMediaId: string;
}

export interface ConsoleChannel {
  id: number;
  name: string;
  state: string;
  configId: string | null;
  qrCode: string | null;
  userIds: string[];
  reps: Array<{ userId: string; name: string }>;
  tags: string[];
  welcomeText: string | null;
  welcomeMiniprogram: WelcomeMiniprogram | null;
  createdAt: string;
  updatedAt: string;
}

export interface ChannelDay {
  date: string;
  adds: number;
  leads: number;
  deletions: number;
  won: number;
  /** won / leads of the day's new leads, 0–1; null on a day without new leads. */
  conversionRate: number | null;
}

export interface ChannelStats {
  channelId: number;
  from: string;
  to: string;
  totals: { adds: number; leads: number; deletions: number; won: number; conversionRate: number | null };
  byDay: ChannelDay[];
}

export interface ChannelFormOptions {
  members: Array<{ userId: string; name: string; roles: string[] }>;
  tags: Array<{ name: string; group: string }>;
}

/** What POST takes, and PATCH in part. */
export interface ChannelInput {
  name?: string;
  userIds?: string[];
  tags?: string[];
  welcomeText?: string | null;
  welcomeMiniprogram?: WelcomeMiniprogram | null;
}
