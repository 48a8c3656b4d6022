import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

export const LEAD_STAGES = ['new', 'contacted', 'qualified', 'opportunity', 'won', 'lost'] as const;
export type LeadStage = (typeof LEAD_STAGES)[number];
export type LeadGrade = 'A' | 'B' | 'C';
export type LeadQualification = 'none' | 'mql' | 'sql';

export interface ScoreItem {
  /** Rule id from the scoring config, e.g. "attr.industry.education" or "behaviour.group_join". */
  rule: string;
  points: number;
  /** Shown to reps: Simplified Chinese. */
  reason: string;
}

/**
 * The behaviour signal of the capture that created a lead (channel, group_join, form_submit,
 * import), kept on the lead row instead of in a lead_activity row: scoring counts it as one more
 * activity, a merge makes it an activity of the kept lead. Same fields as a lead_activity row.
 */
export interface CaptureSignal {
  kind: string;
  value: string | null;
  /** JSON, as lead_activity.data. (`object`: TypeORM's partial-entity types refuse `Record<string, unknown>`.) */
  data: object | null;
  dedupKey: string | null;
  occurredAt: number;
}

/**
 * One customer: whoever they reached us through. WeCom relations to reps hang off it
 * (lead_relation); the same external_userid or unionid always resolves to the same lead.
 */
@Entity('lead')
@Index('idx_lead_owner', ['ownerUserId', 'id'])
@Index('idx_lead_channel', ['channelId', 'id'])
@Index('idx_lead_unionid', ['unionid'])
@Index('idx_lead_phone', ['phone'])
@Index('idx_lead_email', ['email'])
@Index('idx_lead_pool', ['inPool', 'poolSince'])
@Index('idx_lead_stage', ['stage', 'id'])
@Index('idx_lead_in_pool', ['inPool', 'id'])
export class Lead {
  @PrimaryGeneratedColumn()
  id: number;

  @Index('uq_lead_external_user', { unique: true })
  @Column({ name: 'external_user_id', type: 'varchar', length: 128, nullable: true })
  externalUserId: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  unionid: string | null;

  @Column({ type: 'varchar', length: 128, default: '' })
  name: string;

  @Column({ type: 'varchar', length: 512, nullable: true })
  avatar: string | null;

  /** 1 WeChat user, 2 WeCom user (external_contact.type). */
  @Column({ name: 'contact_type', type: 'int', nullable: true })
  contactType: number | null;

  @Column({ type: 'int', nullable: true })
  gender: number | null;

  @Column({ name: 'corp_name', type: 'varchar', length: 128, nullable: true })
  corpName: string | null;

  /** Stored in full; presenters mask it unless a logged reveal allows otherwise. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  phone: string | null;

  @Column({ name: 'owner_user_id', type: 'varchar', length: 64, nullable: true })
  ownerUserId: string | null;

  /** Channel of the first attributed add; null = organic. */
  @Column({ name: 'channel_id', type: 'int', nullable: true })
  channelId: number | null;

  /** How the lead first came in: wecom, group, form, import, store… */
  @Column({ type: 'varchar', length: 32 })
  source: string;

  @Column({ name: 'add_way', type: 'int', nullable: true })
  addWay: number | null;

  @Column({ type: 'varchar', length: 16, default: 'new' })
  stage: LeadStage;

  @Column({ type: 'int', default: 0 })
  score: number;

  @Column({ type: 'varchar', length: 128, nullable: true })
  email: string | null;

  /** Attribute values scoring and assignment read: industry, companySize, region, budget, productLine, custom… */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  attributes: Record<string, string | number | boolean> | null;

  /** A / B / C from the score thresholds; null until first scored. */
  @Column({ type: 'varchar', length: 1, nullable: true })
  grade: LeadGrade | null;

  @Column({ type: 'varchar', length: 8, default: 'none' })
  qualification: LeadQualification;

  /** Which rule gave how many points, so a rep can see why the score is what it is. */
  @Column({ name: 'score_breakdown', type: 'text', nullable: true, transformer: jsonText })
  scoreBreakdown: ScoreItem[] | null;

  @Column({ name: 'scored_at', type: 'bigint', nullable: true, transformer: epochMs })
  scoredAt: number | null;

  /** Set when the owner was alerted that the lead crossed the hot threshold; cleared when it cools. */
  @Column({ name: 'hot_alerted_at', type: 'bigint', nullable: true, transformer: epochMs })
  hotAlertedAt: number | null;

  @Column({ name: 'team_id', type: 'int', nullable: true })
  teamId: number | null;

  /** In the public pool (公海): no owner, claimable by reps. */
  @Column({ name: 'in_pool', type: 'boolean', default: false })
  inPool: boolean;

  @Column({ name: 'pool_since', type: 'bigint', nullable: true, transformer: epochMs })
  poolSince: number | null;

  /** When the current owner got the lead (add, assignment or claim): the follow-up clock starts here. */
  @Column({ name: 'assigned_at', type: 'bigint', nullable: true, transformer: epochMs })
  assignedAt: number | null;

  /** First follow-up or reply after creation: rep response time. */
  @Column({ name: 'first_response_at', type: 'bigint', nullable: true, transformer: epochMs })
  firstResponseAt: number | null;

  @Column({ name: 'last_follow_up_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastFollowUpAt: number | null;

  @Column({ name: 'stage_changed_at', type: 'bigint', nullable: true, transformer: epochMs })
  stageChangedAt: number | null;

  /** Set when the lead is won: it is a customer from then on. */
  @Column({ name: 'customer_since', type: 'bigint', nullable: true, transformer: epochMs })
  customerSince: number | null;

  /** Set on a lead merged into another; such leads are hidden from lists. */
  @Column({ name: 'merged_into_id', type: 'int', nullable: true })
  mergedIntoId: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;

  @Column({ name: 'last_interaction_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastInteractionAt: number | null;

  /**
   * The next step the owner planned in their latest follow-up (null when it planned none): a new
   * follow-up replaces the plan, winning or losing the lead clears it. Reps sort by it.
   */
  @Column({ name: 'next_step_at', type: 'bigint', nullable: true, transformer: epochMs })
  nextStepAt: number | null;

  /**
   * The signal of the capture that created the lead (see CaptureSignal), written by its INSERT;
   * null for a lead created without one, and on a lead merged away (it moved to the kept lead).
   */
  @Column({ name: 'capture_signal', type: 'text', nullable: true, transformer: jsonText })
  captureSignal: CaptureSignal | null;
}
