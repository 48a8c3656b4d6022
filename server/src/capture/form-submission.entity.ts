import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

/** One web-form submission with its attribution (UTM, page); the lead it landed on. */
@Entity('form_submission')
@Index('idx_form_submission_lead', ['leadId'])
export class FormSubmission {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'lead_id', type: 'int' })
  leadId: number;

  @Column({ type: 'text', transformer: jsonText })
  fields: Record<string, unknown>;

  @Column({ name: 'utm_source', type: 'varchar', length: 128, nullable: true })
  utmSource: string | null;

  @Column({ name: 'utm_medium', type: 'varchar', length: 128, nullable: true })
  utmMedium: string | null;

  @Column({ name: 'utm_campaign', type: 'varchar', length: 128, nullable: true })
  utmCampaign: string | null;

  @Column({ name: 'utm_term', type: 'varchar', length: 128, nullable: true })
  utmTerm: string | null;

  @Column({ name: 'utm_content', type: 'varchar', length: 128, nullable: true })
  utmContent: string | null;

  @Column({ name: 'page_url', type: 'varchar', length: 512, nullable: true })
  pageUrl: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  referrer: string | null;

  /** A hash, not the address: enough to rate-limit and spot abuse. */
  @Column({ name: 'ip_hash', type: 'varchar', length: 64 })
  ipHash: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}

/**
 * Web-form rate-limit counters, shared by every instance on the database: one row per limiter key
 * in rate-limiter-flexible's layout (its MySQL and SQLite stores read and write it directly; this
 * entity is for pruning expired rows and for tests).
 */
@Entity('form_rate_limit')
export class FormRateLimit {
  @Column({ type: 'varchar', length: 191, primary: true })
  key: string;

  @Column({ type: 'int', default: 0 })
  points: number;

  /** Epoch ms when the window ends; null never happens for the form limiter (every key has a duration). */
  @Index('idx_form_rate_limit_expire')
  @Column({ type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) } })
  expire: number | null;
}

/** A duplicate lead folded into another: what was merged, why, and a snapshot of the merged row. */
@Entity('lead_merge')
@Index('idx_lead_merge_kept', ['keptLeadId'])
export class LeadMerge {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'kept_lead_id', type: 'int' })
  keptLeadId: number;

  @Column({ name: 'merged_lead_id', type: 'int' })
  mergedLeadId: number;

  /** phone, unionid, external_user_id, email, manual */
  @Column({ type: 'varchar', length: 32 })
  reason: string;

  @Column({ type: 'text', transformer: jsonText })
  snapshot: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
