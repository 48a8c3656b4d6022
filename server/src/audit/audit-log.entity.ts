import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

export const AUDIT_ACTIONS = ['phone.reveal', 'export', 'nurture.enroll', 'nurture.exit', 'nurture.sequence', 'nurture.budget', 'channel.create', 'channel.update', 'settings.team', 'settings.member', 'settings.assignment', 'settings.scoring', 'settings.pool', 'queue.replay', 'lead.reassign', 'lead.merge'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * One look at personal data beyond the masked view (PIPL wants to know who saw what, when and
 * why): a phone reveal, an export; and a member's hand enrollment in (or exit from) a nurture
 * sequence, which starts (or stops) marketing messages to a customer in the owner's name; and
 * changes to nurture's rules (a sequence created, edited, enabled or disabled; the message
 * budget's settings), which decide what every customer is sent; and a channel QR code created or
 * edited (its reps, tags and welcome message decide who gets the customers it brings, and what
 * they are told first); and the rules and settings that decide who gets leads and how they are
 * scored and held (teams, members' roles, assignment rules, scoring rules, pool settings).
 * And an operator's replay of a dead letter (queue.replay): it runs a customer's event or a job again.
 * And a lead given to a rep by hand (lead.reassign) or two leads merged by hand (lead.merge).
 * Written in the transaction of the act itself, so there is no act without its row. Managers
 * read their teams' rows, admins all (policies/audit.ts).
 */
@Entity('audit_log')
@Index('idx_audit_at', ['at', 'id'])
@Index('idx_audit_actor', ['actorUserId', 'id'])
@Index('idx_audit_owner', ['leadOwnerUserId', 'id'])
@Index('idx_audit_lead', ['leadId', 'id'])
export class AuditLog {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 32 })
  action: AuditAction;

  /** A member's WeCom userid, or 'admin' for the admin token. */
  @Column({ name: 'actor_user_id', type: 'varchar', length: 64 })
  actorUserId: string;

  /** The lead looked at; null for an act over many leads (an export: see `detail`). */
  @Column({ name: 'lead_id', type: 'int', nullable: true })
  leadId: number | null;

  /** Who owned the lead then: how a manager finds reveals of their team's customers by anyone. */
  @Column({ name: 'lead_owner_user_id', type: 'varchar', length: 64, nullable: true })
  leadOwnerUserId: string | null;

  /** Why, as the actor stated it. */
  @Column({ type: 'varchar', length: 200 })
  purpose: string;

  /** What else the act covered (an export's filter and row count). */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  detail: object | null;

  @Column({ type: 'bigint', transformer: epochMs })
  at: number;
}
