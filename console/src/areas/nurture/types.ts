/** The console's nurture API (/api/console/nurture, server/src/routes/console/nurture.ts). */

export type TriggerType = 'channel_capture' | 'tag_added' | 'score_band' | 'manual';
export type ChannelRef = { id: number } | { state: string };
export type Trigger =
  | { type: 'channel_capture'; channel: ChannelRef }
  | { type: 'tag_added'; tag: string }
  | { type: 'score_band'; grade: string }
  | { type: 'manual' };

export type Attachment =
  | { msgtype: 'link'; link: { title: string; url: string; desc?: string; picurl?: string } }
  | { msgtype: 'image'; image: { pic_url?: string; media_id?: string } }
  | { msgtype: 'miniprogram'; miniprogram: { title: string; appid: string; page: string; pic_media_id: string } };

export type Action =
  | { type: 'push_content'; text?: { content: string }; attachments?: Attachment[] }
  | { type: 'remind_rep'; text: string }
  | { type: 'add_tag'; tag: string }
  | { type: 'remove_tag'; tag: string }
  | { type: 'change_score'; points: number; reason: string };
export type ActionType = Action['type'];

export interface Condition {
  tagsAll?: string[];
  tagsAny?: string[];
  tagsNone?: string[];
  grades?: string[];
  stages?: string[];
  channels?: ChannelRef[];
}

export interface Step {
  id: string;
  name?: string;
  delay: { from: 'enrollment' | 'previous_step'; days: number; hours: number; minutes: number };
  condition?: Condition;
  action: Action;
  whenBudgetSpent?: 'wait' | 'skip' | 'rep_task';
}

export interface Sequence {
  key: string;
  name: string;
  description?: string;
  enabled: boolean;
  triggers: Trigger[];
  steps: Step[];
  exits: { on: string[]; optOutKeywords: string[] };
}

export interface SequenceSummary {
  key: string;
  name: string;
  description: string | null;
  enabled: boolean;
  source: 'file' | 'override' | 'database';
  updatedAt: string | null;
  triggers: Trigger[];
  steps: Array<{ id: string; action: ActionType; delayFrom: string; delayMinutes: number }>;
}

export interface SequenceDetail {
  key: string;
  source: 'file' | 'override' | 'database';
  updatedAt: string | null;
  sequence: Sequence;
}

export interface ChannelChoice {
  id: number;
  name: string;
  state: string;
  deleted: boolean;
}

export interface NurtureOptions {
  channels: ChannelChoice[];
  canEdit: boolean;
}

export interface FunnelStep {
  id: string;
  name: string | null;
  action: ActionType;
  waiting: number;
  ran: number;
  skipped: Record<string, number>;
  noRecipient: number;
  failed: number;
  done?: number;
  push?: { queued: number; sent: number; confirmed: number; delivered: number; notFriend: number; overCap: number; unconfirmed: number; repTask: number };
}

export interface Funnel {
  key: string;
  name: string;
  enabled: boolean;
  scope: 'all' | 'teams';
  enrolled: { total: number; active: number; completed: number; exited: number };
  steps: FunnelStep[];
  exits: Record<string, number>;
}

export interface Enrollment {
  id: number;
  leadId: number;
  leadName: string | null;
  ownerUserId: string | null;
  ownerName: string | null;
  sequenceKey: string;
  sequenceName: string;
  status: 'active' | 'exited' | 'completed';
  statusLabel: string;
  reasonText: string;
  enrolledAt: string;
  exitedAt: string | null;
  exitReasonText: string | null;
  stepCount: number | null;
  nextStepIndex: number | null;
  nextStepName: string | null;
  nextDueAt: string | null;
}

export interface BudgetSettings {
  corpRule: 'month' | 'week' | 'day';
  monthlyCap: number | null;
  quietHours: { start: string; end: string } | null;
  onePerDay: boolean;
}

export interface BudgetLine {
  externalUserId: string;
  leadId: number | null;
  leadName: string | null;
  corp: { rule: string; periodStart: string; periodEnd: string; limit: number; used: number; remaining: number };
  month: { start: string; end: string; used: number; cap: number | null; remaining: number | null };
  today: { used: number; onePerDay: boolean };
  lastSentAt: string | null;
  inFlight: number;
}

/** A 400's `fields`: where (the definition's path), its Chinese name, and what is wrong. */
export interface FieldError {
  path: string;
  label: string;
  message: string;
}
