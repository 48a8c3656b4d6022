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
