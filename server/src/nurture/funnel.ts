import type { EntityManager } from 'typeorm';
import type { ScopeSql } from '../policies/actor';
import { leadIdIn } from '../policies/nurture';
import type { SequenceInfo } from './sequences/sequences';
import { NurtureEnrollment } from './enrollment/enrollment.entity';
import { NurtureStepRun, type StepRunStatus } from './steps/step-run.entity';

const n = (v: unknown) => Number(v ?? 0);

/** Step-run statuses of a push that WeCom has (a msgid exists): what "sent" counts. */
const SENT: ReadonlySet<StepRunStatus> = new Set(['awaiting', 'delivered', 'not_friend', 'over_cap', 'unconfirmed']);

/**
 * A sequence's funnel: how many leads it enrolled and where they are, then per step how many
 * reached it and what became of them — for pushes: sent (WeCom took the message), confirmed (the
 * rep confirmed it in WeCom), delivered (send result 1), not a friend (2), over the cap (3),
 * never confirmed — and the exits by reason. Three grouped statements, whatever the volume.
 * `leads`, a condition on the lead table (alias `l`) from a policy, counts only those leads (a
 * manager's teams, policies/nurture.ts); without it, every lead.
 */
export async function sequenceFunnel(manager: EntityManager, info: SequenceInfo, leads?: ScopeSql) {
  const key = info.key;
  const enrollmentScope = leadIdIn(manager, 'e.lead_id', leads);
  const runScope = leadIdIn(manager, 'r.lead_id', leads);
  const enrollmentRows: Array<{ status: string; exit_reason: string | null; n: unknown }> = await manager
    .getRepository(NurtureEnrollment)
    .createQueryBuilder('e')
    .select('e.status', 'status')
    .addSelect('e.exit_reason', 'exit_reason')
    .addSelect('COUNT(*)', 'n')
    .where('e.sequence_key = :key', { key })
    .andWhere(enrollmentScope.sql, enrollmentScope.params)
    .groupBy('e.status')
    .addGroupBy('e.exit_reason')
    .getRawMany();
  const waitingRows: Array<{ idx: unknown; n: unknown }> = await manager
    .getRepository(NurtureEnrollment)
    .createQueryBuilder('e')
    .select('e.next_step_index', 'idx')
    .addSelect('COUNT(*)', 'n')
    .where("e.sequence_key = :key AND e.status = 'active'", { key })
    .andWhere(enrollmentScope.sql, enrollmentScope.params)
    .groupBy('e.next_step_index')
    .getRawMany();
  const runRows: Array<{ step_id: string; status: StepRunStatus; detail: string | null; n: unknown; confirmed: unknown }> = await manager
    .getRepository(NurtureStepRun)
    .createQueryBuilder('r')
    .select('r.step_id', 'step_id')
    .addSelect('r.status', 'status')
    .addSelect('r.detail', 'detail')
    .addSelect('COUNT(*)', 'n')
    .addSelect('SUM(CASE WHEN r.confirmed_at IS NOT NULL THEN 1 ELSE 0 END)', 'confirmed')
    .where('r.sequence_key = :key', { key })
    .andWhere(runScope.sql, runScope.params)
    .groupBy('r.step_id')
    .addGroupBy('r.status')
    .addGroupBy('r.detail')
    .getRawMany();

  const enrolled = { total: 0, active: 0, completed: 0, exited: 0 };
  const exits: Record<string, number> = {};
  for (const row of enrollmentRows) {
    const count = n(row.n);
    enrolled.total += count;
    if (row.status === 'active' || row.status === 'completed' || row.status === 'exited') enrolled[row.status] += count;
    if (row.exit_reason) exits[row.exit_reason] = (exits[row.exit_reason] ?? 0) + count;
  }
  const waiting = new Map(waitingRows.map((r) => [n(r.idx), n(r.n)]));

  const steps = info.sequence.steps.map((step, index) => {
    const rows = runRows.filter((r) => r.step_id === step.id);
    const count = (statuses: StepRunStatus[]) => rows.filter((r) => statuses.includes(r.status)).reduce((s, r) => s + n(r.n), 0);
    const skipped: Record<string, number> = {};
    for (const r of rows.filter((r) => r.status === 'skipped')) skipped[r.detail ?? 'condition'] = (skipped[r.detail ?? 'condition'] ?? 0) + n(r.n);
    const base = {
      id: step.id,
      name: step.name ?? null,
      action: step.action.type,
      /** Active enrollments whose next step this is (not yet due, or postponed by the budget or quiet hours). */
      waiting: waiting.get(index) ?? 0,
      ran: rows.reduce((s, r) => s + n(r.n), 0),
      skipped,
      noRecipient: count(['no_recipient']),
      failed: count(['failed']),
    };
    if (step.action.type !== 'push_content') return { ...base, done: count(['done']) };
    return {
      ...base,
      push: {
        /** Decided, not yet in a message WeCom has. */
        queued: count(['queued', 'sending']),
        sent: rows.filter((r) => SENT.has(r.status)).reduce((s, r) => s + n(r.n), 0),
        confirmed: rows.reduce((s, r) => s + n(r.confirmed), 0),
        delivered: count(['delivered']),
        notFriend: count(['not_friend']),
        overCap: count(['over_cap']),
        unconfirmed: count(['unconfirmed']),
        repTask: count(['rep_task']),
      },
    };
  });
  return { key, name: info.sequence.name, enabled: info.sequence.enabled, enrolled, steps, exits };
}
