import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { Channel } from '../../channels/channel.entity';
import type { AppContext } from '../../context';
import { Lead } from '../../leads/lead.entity';
import { LeadTag } from '../../leads/lead-tag.entity';
import { loadBudgetSettings } from '../budget/budget-settings';
import type { BlockReason } from '../budget/decide';
import { NurtureEnrollment } from '../enrollment/enrollment.entity';
import { exitEnrollments } from '../enrollment/exit-enrollments';
import { delayMinutes, type Sequence, type SequenceStep } from '../sequences/schema';
import { listSequences } from '../sequences/sequences';
import { BudgetTally } from './budget-tally';
import { conditionHolds, statesNamed, type ChannelIdsByState } from './conditions';
import { addTag, changeScore, remindRep, removeTag, repTask, type StepContext, type StepLead, type StepOutcome } from './step-actions';
import { NurtureStepRun, type StepRunStatus } from './step-run.entity';

const BATCH = 200;
/** A backlog (after downtime, or a big enrollment) drains over a few ticks rather than one long one. */
const MAX_BATCHES = 10;
/** A disabled sequence's due steps are looked at again this much later (they run once it is enabled). */
const DISABLED_RECHECK_MS = 60 * 60_000;

/** Reasons that free within a day: a push blocked only by them always waits. */
const PASSING: ReadonlySet<BlockReason['reason']> = new Set(['quiet_hours', 'pushed_today']);

export interface StepTickResult {
  /** Steps that ran (a row in nurture_step_run), by status. */
  ran: Partial<Record<StepRunStatus, number>>;
  /** Steps postponed (budget, quiet hours, a disabled sequence). */
  postponed: number;
}

/** What one batch shares: the sequences, the leads, their tags, channel states, the budget. */
interface BatchFacts {
  sequences: Map<string, Sequence>;
  leads: Map<number, StepLead>;
  tags: Map<number, Set<string>>;
  byState: ChannelIdsByState;
  tally: BudgetTally;
}

/**
 * Runs every nurture step that is due at `now`, each exactly once: in one transaction per
 * enrollment, a conditional UPDATE moves the enrollment past the step (only if it is still active
 * and still at that step) and the step's row is inserted under a unique (enrollment, step) index,
 * together with whatever the action writes. Two instances, two overlapping ticks or a crash and
 * a re-run therefore run a step once; the loser's transaction writes nothing.
 *
 * Pushes are only decided here (status `queued`, counted in the budget at once); they are
 * batched into add_msg_template calls by sending/send-pushes.ts.
 */
export async function runDueSteps(ctx: AppContext, now: number): Promise<StepTickResult> {
  const result: StepTickResult = { ran: {}, postponed: 0 };
  const sequences = new Map((await listSequences(ctx.dataSource)).map((i) => [i.key, i.sequence]));
  const settings = await loadBudgetSettings(ctx.dataSource.manager);
  let afterId = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const due = await ctx.dataSource
      .getRepository(NurtureEnrollment)
      .createQueryBuilder('e')
      .where("e.status = 'active' AND e.next_due_at <= :now AND e.id > :afterId", { now, afterId })
      .orderBy('e.id', 'ASC')
      .limit(BATCH)
      .getMany();
    if (due.length === 0) break;
    afterId = due[due.length - 1].id;
    const facts = await loadFacts(ctx.dataSource.manager, due, sequences, settings, now);
    for (const enrollment of due) {
      const outcome = await runStepOnce(ctx, enrollment, facts, now);
      if (outcome === 'postponed') result.postponed++;
      else if (outcome) result.ran[outcome] = (result.ran[outcome] ?? 0) + 1;
    }
    if (due.length < BATCH) break;
  }
  if (Object.keys(result.ran).length) ctx.kick();
  return result;
}

async function loadFacts(
  manager: EntityManager,
  due: NurtureEnrollment[],
  sequences: Map<string, Sequence>,
  settings: Awaited<ReturnType<typeof loadBudgetSettings>>,
  now: number,
): Promise<BatchFacts> {
  const leadIds = [...new Set(due.map((e) => e.leadId))];
  const leadRows = await manager.getRepository(Lead).find({
    select: { id: true, name: true, ownerUserId: true, externalUserId: true, grade: true, stage: true, channelId: true, mergedIntoId: true },
    where: { id: In(leadIds) },
  });
  const leads = new Map<number, StepLead>(leadRows.map((l) => [l.id, l]));
  const tags = new Map<number, Set<string>>();
  for (const t of await manager.getRepository(LeadTag).find({ select: { leadId: true, name: true }, where: { leadId: In(leadIds) } })) {
    const set = tags.get(t.leadId) ?? new Set<string>();
    set.add(t.name);
    tags.set(t.leadId, set);
  }
  const states = statesNamed(due.map((e) => sequences.get(e.sequenceKey)?.steps[e.nextStepIndex]?.condition));
  const byState = new Map<string, number>();
  if (states.length) {
    for (const c of await manager.getRepository(Channel).find({ select: { id: true, state: true }, where: { state: In(states) } })) byState.set(c.state, c.id);
  }
  const pushCustomers = due
    .filter((e) => sequences.get(e.sequenceKey)?.steps[e.nextStepIndex]?.action.type === 'push_content')
    .map((e) => leads.get(e.leadId)?.externalUserId)
    .filter((id): id is string => !!id);
  const tally = await BudgetTally.load(manager, settings, pushCustomers, now);
  return { sequences, leads, tags, byState, tally };
}

/** When the step after `index` is due, or null when `index` was the last. */
function nextDueAt(sequence: Sequence, enrollment: NurtureEnrollment, index: number, now: number): number | null {
  const next = sequence.steps[index + 1];
  if (!next) return null;
  const from = next.delay.from === 'enrollment' ? enrollment.enrolledAt : now;
  return from + delayMinutes(next.delay) * 60_000;
}

class LostRace extends Error {}

/** One enrollment's due step; the status it ran with, 'postponed', or null when there was nothing (lost a race, sequence gone). */
async function runStepOnce(ctx: AppContext, enrollment: NurtureEnrollment, facts: BatchFacts, now: number): Promise<StepRunStatus | 'postponed' | null> {
  const sequence = facts.sequences.get(enrollment.sequenceKey);
  const lead = facts.leads.get(enrollment.leadId);
  const index = enrollment.nextStepIndex;
  if (!sequence || !lead || lead.mergedIntoId !== null || index >= sequence.steps.length) {
    // Nothing left to run: the sequence was deleted or shortened, or the lead merged into another.
    await exitEnrollments(ctx.dataSource.manager, {
      leadId: enrollment.leadId,
      sequenceKey: enrollment.sequenceKey,
      reason: sequence && lead && lead.mergedIntoId === null ? 'sequence_end' : 'manual',
      at: now,
    });
    return null;
  }
  if (!sequence.enabled) {
    await postpone(ctx.dataSource.manager, enrollment, now + DISABLED_RECHECK_MS);
    return 'postponed';
  }
  const step = sequence.steps[index];
  try {
    return await ctx.dataSource.transaction(async (manager) => {
      const c: StepContext = { manager, lead, sequence, stepIndex: index, runKey: `${enrollment.id}:${index}`, at: now };
      const decided = await decide(c, step, facts, now);
      if (decided.postponeUntil !== undefined) {
        if (!(await postpone(manager, enrollment, decided.postponeUntil))) throw new LostRace();
        return 'postponed' as const;
      }
      const advanced = await manager
        .createQueryBuilder()
        .update(NurtureEnrollment)
        .set({ nextStepIndex: index + 1, nextDueAt: nextDueAt(sequence, enrollment, index, now) })
        .where("id = :id AND status = 'active' AND next_step_index = :index", { id: enrollment.id, index })
        .execute();
      if (!advanced.affected) throw new LostRace();
      const outcome = await decided.act();
      const pushing = outcome.status === 'queued';
      await manager
        .createQueryBuilder()
        .insert()
        .into(NurtureStepRun)
        .values({
          enrollmentId: enrollment.id,
          leadId: lead.id,
          sequenceKey: sequence.key,
          stepId: step.id,
          stepIndex: index,
          action: step.action.type,
          status: outcome.status,
          detail: outcome.detail,
          externalUserId: step.action.type === 'push_content' ? lead.externalUserId : null,
          sender: pushing ? lead.ownerUserId : null,
          pushId: null,
          ranAt: now,
          confirmedAt: null,
          settledAt: pushing ? null : now,
        })
        .updateEntity(false)
        .execute();
      if (pushing) facts.tally.add(lead.externalUserId!, now);
      if (index + 1 >= sequence.steps.length) {
        await exitEnrollments(manager, { leadId: lead.id, sequenceKey: sequence.key, reason: 'sequence_end', at: now });
      }
      return outcome.status;
    });
  } catch (error) {
    if (error instanceof LostRace) return null;
    throw error;
  }
}

/** Moves the due time of a step not run now; false when the enrollment moved on meanwhile. */
async function postpone(manager: EntityManager, enrollment: NurtureEnrollment, until: number): Promise<boolean> {
  const r = await manager
    .createQueryBuilder()
    .update(NurtureEnrollment)
    .set({ nextDueAt: until })
    .where("id = :id AND status = 'active' AND next_step_index = :index", { id: enrollment.id, index: enrollment.nextStepIndex })
    .execute();
  return !!r.affected;
}

/** What to do with a due step: act now (with the outcome to record), or postpone it. */
async function decide(
  c: StepContext,
  step: SequenceStep,
  facts: BatchFacts,
  now: number,
): Promise<{ postponeUntil?: number; act: () => Promise<StepOutcome> }> {
  const facts0 = { tags: facts.tags.get(c.lead.id) ?? new Set<string>(), grade: c.lead.grade, stage: c.lead.stage, channelId: c.lead.channelId };
  const done = (outcome: StepOutcome) => ({ act: async () => outcome });
  if (!conditionHolds(step.condition, facts0, facts.byState)) return done({ status: 'skipped', detail: 'condition' });
  const action = step.action;
  switch (action.type) {
    case 'remind_rep':
      return { act: () => remindRep(c, action.text) };
    case 'add_tag':
      return { act: () => addTag(c, action.tag) };
    case 'remove_tag':
      return { act: () => removeTag(c, action.tag) };
    case 'change_score':
      return { act: () => changeScore(c, action.points, action.reason) };
    case 'push_content': {
      if (!c.lead.externalUserId) return done({ status: 'no_recipient', detail: 'not_wecom_contact' });
      if (!c.lead.ownerUserId) return done({ status: 'no_recipient', detail: 'no_owner' });
      const decision = facts.tally.decide(c.lead.externalUserId, now);
      if (decision.allowed) return done({ status: 'queued', detail: null });
      const spent = decision.reasons.find((r) => !PASSING.has(r.reason));
      const rule = step.whenBudgetSpent ?? 'wait';
      if (spent && rule === 'skip') return done({ status: 'skipped', detail: spent.reason });
      const quiet = decision.reasons.find((r) => r.reason === 'quiet_hours');
      // A rep task is a message to the rep: it waits out the quiet hours too.
      if (spent && rule === 'rep_task' && !quiet) return { act: () => repTask(c, action, spent.reason) };
      return { postponeUntil: quiet && spent && rule === 'rep_task' ? quiet.until : decision.retryAt, act: () => Promise.reject(new Error('postponed')) };
    }
  }
}
