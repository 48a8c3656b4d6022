/** The /api/mp contract as the mini-program reads it (see docs/api.md on the server side). */

export type Role = 'rep' | 'store_staff' | 'manager' | 'admin';

export interface Named {
  id: number;
  name: string;
}

export interface Member {
  userId: string;
  name: string;
  roles: Role[];
  store: Named | null;
  teams: Named[];
  managedTeams: Named[];
}

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: string;
  refreshExpiresAt: string;
}

export interface LoginResponse extends SessionTokens {
  member: Member;
}

export type Grade = 'A' | 'B' | 'C';
export type LeadScope = 'mine' | 'pool' | 'team';
export type LeadSort = 'score' | 'next_step';

export interface LeadCard {
  id: number;
  name: string;
  avatar: string | null;
  phone: string | null;
  grade: Grade | null;
  score: number;
  stage: string;
  stageLabel: string;
  channel: Named | null;
  tags: string[];
  ownerUserId: string | null;
  inPool: boolean;
  nextStepAt: string | null;
  lastInteractionAt: string | null;
}

export type FollowUpKind = 'call' | 'visit' | 'wecom_chat' | 'note';

export interface FollowUp {
  id: number;
  leadId: number;
  userId: string;
  kind: FollowUpKind;
  outcome: string | null;
  content: string | null;
  nextStepAt: string | null;
  nextStepNote: string | null;
  reminderStatus: string;
  createdAt: string;
}

export interface LeadActions {
  canReveal: boolean;
  canEditTags: boolean;
  canFollowUp: boolean;
  canChangeStage: boolean;
  canClaim: boolean;
  canReturn: boolean;
}

export interface TimelineItem {
  id: number;
  kind: string;
  summary: string;
  occurredAt: string;
}

export interface LeadDetail extends LeadCard {
  corpName: string | null;
  gender: 0 | 1 | 2 | null;
  scoreBreakdown: { label: string; points: number }[];
  timeline: TimelineItem[];
  followUps: FollowUp[];
  actions: LeadActions;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface StageOption {
  stage: string;
  label: string;
}

export interface TagOption {
  name: string;
  group: string;
}

export interface FollowUpInput {
  kind: FollowUpKind;
  outcome?: string;
  content?: string;
  nextStepAt?: string;
  nextStepNote?: string;
}

export interface Consent {
  version: string;
  text: string;
}

export interface Entry {
  id: number;
  name: string;
  phone: string;
  store: Named;
  leadId: number;
  createdAt: string;
  duplicate: boolean;
}

export interface Stats {
  funnel: { stage: string; label: string; count: number }[];
  /** `id` null: organic leads (no channel). */
  channels: { id: number | null; name: string; leads: number; won: number; conversionRate: number }[];
  responseTimes: { userId: string; name: string; medianMinutes: number | null; leads: number; chatMedianMinutes: number | null; chatReplies: number }[];
}

export type EnrollmentStatus = 'active' | 'exited' | 'completed';

/** One of a lead's nurture enrollments (GET /api/mp/leads/:id/nurture). */
export interface NurtureEnrollment {
  id: number;
  sequenceKey: string;
  sequenceName: string;
  status: EnrollmentStatus;
  statusLabel: string;
  reason: string;
  reasonText: string;
  enrolledAt: string;
  exitedAt: string | null;
  exitReason: string | null;
  exitReasonText: string | null;
  /** null when the sequence is no longer defined. */
  stepCount: number | null;
  /** 0-based; null once not active. */
  nextStepIndex: number | null;
  nextStepName: string | null;
  nextDueAt: string | null;
}

export interface LeadNurture {
  /** This member may enroll the lead and stop its enrollments. */
  canManage: boolean;
  /** Active first, then the latest ended ones (at most 20 in all). */
  enrollments: NurtureEnrollment[];
}

/** A sequence a lead may be enrolled in by hand (GET /api/mp/nurture/sequences). */
export interface NurtureSequenceOption {
  key: string;
  name: string;
  description: string | null;
  stepCount: number;
}

/** One archived chat message (GET /api/mp/leads/:id/chats, docs/api.md section 26). */
export interface ChatMessageView {
  id: number;
  msgtype: string;
  direction: 'customer' | 'rep';
  sender: { userId: string | null; name: string };
  text: string | null;
  recalled: boolean;
  sentAt: string;
  room: { id: string; name: string } | null;
  media: { status: 'pending' | 'stored' | 'failed' | 'too_large'; size: number | null; url: string | null } | null;
  link: { title: string; description: string | null; url: string } | null;
  file: { name: string; size: number | null } | null;
  voice: { seconds: number | null } | null;
}

export interface ChatResponseTimes {
  firstResponseMinutes: number | null;
  averageResponseMinutes: number | null;
  responses: number;
  waitingSince: string | null;
}

export interface LeadChats {
  archive: { on: boolean };
  items: ChatMessageView[];
  nextCursor: string | null;
  responseTimes: ChatResponseTimes;
}

/** A hit of the managers' chat search (GET /api/mp/chats/search). */
export type ChatSearchHit = ChatMessageView & { lead: { id: number; name: string } };
