import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntityTarget, FindOptionsWhere, ObjectLiteral } from 'typeorm';
import { captureLead } from '../src/capture/capture-lead';
import { importLeads } from '../src/capture/import/import-leads';
import { subscribers } from '../src/events/registry';
import type { DomainEventPayloads } from '../src/events/types';
import { Lead } from '../src/leads/lead.entity';
import { LeadActivity } from '../src/leads/lead-activity.entity';
import { LeadAssignment } from '../src/leads/lead-assignment.entity';
import { LeadMerge } from '../src/leads/merge/lead-merge.entity';
import { mergeLeads } from '../src/leads/merge/merge-leads';
import { recordActivity } from '../src/leads/scoring/record-activity';
import { rescoreAll } from '../src/leads/scoring/rescore-all';
import { loadScoringRules } from '../src/leads/scoring/rules';
import type { ScoringRules } from '../src/leads/scoring/rules-schema';
import { makeChannel, makeLead } from './support/factories';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';

/**
 * A new lead's capture signal (the channel add, group join, form or import row that created it)
 * lives on the lead row (lead.capture_signal), written by its INSERT: no lead_activity row, and a
 * lead created with its owner writes no lead_assignment row. Scoring counts the signal as one
 * more activity; a re-run of the creating capture does not count it twice; a merge hands it to
 * the kept lead as an activity. Real service, database and simulator; the workers run.
 */

let h: Harness;
let dir: string;
/** Every lead.owner_changed published, seen through a subscriber that wants none of them. */
const ownerChanges: Array<DomainEventPayloads['lead.owner_changed']> = [];
const probe = {
  name: 'test-owner-change-probe',
  priority: 0,
  wants: (p: DomainEventPayloads['lead.owner_changed']) => {
    ownerChanges.push(p);
    return false;
  },
  handle: async () => 'done' as const,
};
const probes = subscribers['lead.owner_changed'] as unknown as Array<typeof probe>;

beforeAll(async () => {
  probes.push(probe);
  h = await startHarness({ simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }] } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-signal-'));
});
afterAll(async () => {
  probes.splice(probes.indexOf(probe), 1);
  fs.rmSync(dir, { recursive: true, force: true });
  await h?.close();
});

const ds = () => h.runtime.ctx.dataSource;
const leads = () => ds().getRepository(Lead);
const count = <T extends ObjectLiteral>(entity: EntityTarget<T>, where: FindOptionsWhere<T>) => ds().getRepository(entity).countBy(where);
const scoreOf = (lead: Lead) => ({ score: lead.score, grade: lead.grade, qualification: lead.qualification, breakdown: lead.scoreBreakdown });
/** Default rules plus 7 points for every import activity (the defaults give an import none). */
const withImportPoints = (rules: ScoringRules): ScoringRules => ({
  ...rules,
  behaviours: [...rules.behaviours, { id: 'test.import', kind: 'import', points: 7, reason: '导入名单' } as ScoringRules['behaviours'][number]],
});

async function addThroughChannel(name: string, channel: { state: string }): Promise<Lead> {
  const { externalUserId, response } = await h.driver.customerAddsRep({ userId: 'zhangsan', state: channel.state, customer: { name } });
  expect(response.status).toBe(200);
  const lead = await eventually(() => leads().findOneBy({ externalUserId }));
  await queuesSettled(h);
  return leads().findOneByOrFail({ id: lead.id });
}

function importFile(name: string, rows: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, rows);
  return file;
}

describe('a lead created by a capture', () => {
  it('a channel add: the signal is on the lead, no activity or history row, and a full re-score agrees', async () => {
    const channel = await makeChannel(h, { name: '信号渠道' });
    const lead = await addThroughChannel('信号客户', channel);

    expect(lead).toMatchObject({ ownerUserId: 'zhangsan', channelId: channel.id, score: 10, grade: 'C', qualification: 'none' });
    expect(lead.assignedAt).toBe(lead.createdAt);
    expect(lead.captureSignal).toEqual({
      kind: 'channel',
      value: String(channel.id),
      data: { state: channel.state },
      dedupKey: expect.stringMatching(/^inbox:\d+:channel$/),
      occurredAt: lead.createdAt,
    });
    expect(lead.scoreBreakdown).toEqual([expect.objectContaining({ rule: 'behaviour.channel', points: 10 })]);
    expect(await count(LeadActivity, { leadId: lead.id })).toBe(0);
    // Owned from its INSERT: no history row, and no owner change published (nobody wants 'added').
    expect(await count(LeadAssignment, { leadId: lead.id })).toBe(0);
    expect(ownerChanges.filter((c) => c.leadId === lead.id)).toEqual([]);

    await rescoreAll(ds(), await loadScoringRules(ds()));
    expect(scoreOf(await leads().findOneByOrFail({ id: lead.id }))).toEqual(scoreOf(lead));

    // A later signal is counted together with it, by the incremental re-score: channel 10 + price 15.
    await ds().transaction((m) => recordActivity(m, { leadId: lead.id, kind: 'intent_keyword', value: 'price', dedupKey: `test:${lead.id}:price` }));
    await queuesSettled(h);
    expect((await leads().findOneByOrFail({ id: lead.id })).score).toBe(25);
  });

  it('a first score that is news is left to the re-score job, which counts the signal', async () => {
    await ds().transaction((m) =>
      captureLead(m, {
        source: 'form',
        key: 'signal:news',
        occurredAt: Date.now(),
        identity: { phone: '13600136009' },
        profile: { name: '高分客户', attributes: { industry: '教育培训', budget: 150000, companySize: 800 } },
        isInteraction: true,
        timeline: () => ({ kind: 'form.submitted', summary: '测试', dedupKey: 'signal:news:timeline' }),
        activity: { kind: 'form_submit', value: 'news-form', dedupKey: 'signal:news:activity' },
      }),
    );
    await queuesSettled(h);
    const lead = await leads().findOneByOrFail({ phone: '13600136009' });
    expect(lead.captureSignal).toMatchObject({ kind: 'form_submit', value: 'news-form', dedupKey: 'signal:news:activity' });
    expect(await count(LeadActivity, { leadId: lead.id })).toBe(0);
    // Industry 15 + budget 20 + size 15 + the form 10.
    expect(lead).toMatchObject({ score: 60, grade: 'B', qualification: 'mql' });
    expect(lead.scoreBreakdown).toContainEqual(expect.objectContaining({ rule: 'behaviour.form_submit', points: 10 }));
  });

  it('a known ownerless lead the customer adds a rep on still gets its added history row and event', async () => {
    const known = await makeLead(ds(), { externalUserId: 'wmSignalReturning' });
    const { response } = await h.driver.customerAddsRep({ userId: 'lisi', externalUserId: 'wmSignalReturning', customer: { name: '回头客' } });
    expect(response.status).toBe(200);
    await eventually(async () => (await leads().findOneByOrFail({ id: known.id })).ownerUserId === 'lisi');
    await queuesSettled(h);
    const history = await ds().getRepository(LeadAssignment).findBy({ leadId: known.id });
    expect(history).toEqual([expect.objectContaining({ kind: 'added', fromUserId: null, toUserId: 'lisi' })]);
    expect(ownerChanges.filter((c) => c.leadId === known.id)).toEqual([expect.objectContaining({ kind: 'added', fromUserId: null, toUserId: 'lisi' })]);
  });
});

describe('an import', () => {
  it('run again does not count the row twice; a row of another list for the same person does count', async () => {
    const file = importFile('signal.csv', '姓名,手机号\n导入客户,13600136001\n');
    expect(await importLeads(ds(), file, { sourceName: 'signal-list' })).toMatchObject({ created: 1 });
    const lead = await leads().findOneByOrFail({ phone: '13600136001' });
    expect(lead.captureSignal).toMatchObject({ kind: 'import', value: 'signal-list' });
    expect(await count(LeadActivity, { leadId: lead.id })).toBe(0);

    expect(await importLeads(ds(), file, { sourceName: 'signal-list' })).toMatchObject({ created: 0, matched: 1 });
    expect(await count(LeadActivity, { leadId: lead.id })).toBe(0);
    await queuesSettled(h);
    const rules = withImportPoints(await loadScoringRules(ds()));
    await rescoreAll(ds(), rules);
    expect((await leads().findOneByOrFail({ id: lead.id })).score).toBe(7);

    const other = importFile('signal-other.csv', '姓名,手机号\n导入客户,13600136001\n');
    expect(await importLeads(ds(), other, { sourceName: 'other-list' })).toMatchObject({ created: 0, matched: 1 });
    const activities = await ds().getRepository(LeadActivity).findBy({ leadId: lead.id });
    expect(activities.map((a) => [a.kind, a.value])).toEqual([['import', 'other-list']]);
    await queuesSettled(h);
    await rescoreAll(ds(), rules);
    expect((await leads().findOneByOrFail({ id: lead.id })).score).toBe(14);
  });
});

describe('merging', () => {
  it('the merged lead’s signal becomes an activity of the kept lead, which is scored with it', async () => {
    const keeper = await makeLead(ds(), { name: '保留的线索' });
    const channel = await makeChannel(h, { name: '合并渠道' });
    const merged = await addThroughChannel('被合并的客户', channel);
    const signal = merged.captureSignal!;
    expect(signal).toMatchObject({ kind: 'channel', value: String(channel.id) });

    await ds().transaction((m) => mergeLeads(m, keeper.id, merged.id, 'manual'));

    const moved = await ds().getRepository(LeadActivity).findBy({ leadId: keeper.id });
    expect(moved.map(({ kind, value, data, dedupKey, occurredAt }) => ({ kind, value, data, dedupKey, occurredAt }))).toEqual([signal]);
    expect(await leads().findOneByOrFail({ id: merged.id })).toMatchObject({ mergedIntoId: keeper.id, captureSignal: null });
    const record = await ds().getRepository(LeadMerge).findOneByOrFail({ mergedLeadId: merged.id });
    expect(record.snapshot).toMatchObject({ lead: { captureSignal: signal }, moved: { lead_activity: 1 } });

    // The merge queued the kept lead's re-score: it counts the signal.
    await queuesSettled(h);
    const kept = await leads().findOneByOrFail({ id: keeper.id });
    expect(kept.score).toBe(10);
    expect(kept.scoreBreakdown).toEqual([expect.objectContaining({ rule: 'behaviour.channel', points: 10 })]);
    await rescoreAll(ds(), await loadScoringRules(ds()));
    expect(scoreOf(await leads().findOneByOrFail({ id: keeper.id }))).toEqual(scoreOf(kept));
  });

  it('a signal the kept lead already holds as an activity is not counted twice', async () => {
    const signal = { kind: 'form_submit', value: 'dup-form', data: null, dedupKey: 'signal:dup:activity', occurredAt: Date.now() - 1000 };
    const keeper = await makeLead(ds(), { name: '已有该信号' });
    await ds().getRepository(LeadActivity).insert({ leadId: keeper.id, ...signal });
    const merged = await makeLead(ds(), { name: '带信号的重复线索', captureSignal: signal });

    await ds().transaction((m) => mergeLeads(m, keeper.id, merged.id, 'manual'));
    expect(await count(LeadActivity, { leadId: keeper.id })).toBe(1);
    const record = await ds().getRepository(LeadMerge).findOneByOrFail({ mergedLeadId: merged.id });
    expect(record.snapshot).toMatchObject({ moved: { lead_activity: 0 } });
    await queuesSettled(h);
    expect((await leads().findOneByOrFail({ id: keeper.id })).score).toBe(10);
  });
});
