import type { DataSource } from 'typeorm';
import { Lead } from '../../src/leads/lead.entity';
import type { Harness } from './harness';

/**
 * One line per piece of state a test needs: a lead row as it would be after capture, a channel
 * or a team through the admin API, a signed-in rep. Each returns what it made.
 */

let leadSeq = 0;

/** A lead row written directly (no capture, no events): for tests of what reads or changes leads. */
export async function makeLead(ds: DataSource, fields: Partial<Lead> = {}): Promise<Lead> {
  leadSeq += 1;
  const now = Date.now();
  const repo = ds.getRepository(Lead);
  const lead = repo.create({
    externalUserId: null,
    name: `客户${leadSeq}`,
    phone: null,
    ownerUserId: null,
    source: 'form',
    stage: 'new',
    score: 0,
    inPool: false,
    createdAt: now,
    updatedAt: now,
    lastInteractionAt: now,
    ...fields,
  });
  await repo.insert(lead);
  return lead;
}

/** A channel QR code through the admin API (and so through the simulator's add_contact_way). */
export async function makeChannel(
  h: Harness,
  fields: { name?: string; userIds?: string[]; tags?: string[]; welcomeText?: string } = {},
): Promise<{ id: number; state: string; name: string }> {
  const r = await h.admin('POST', '/api/admin/channels', { name: '测试渠道', userIds: ['zhangsan'], ...fields });
  if (r.status !== 201) throw new Error(`makeChannel: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A team through the admin API. */
export async function makeTeam(h: Harness, fields: { name?: string; members?: string[]; maxActiveLeads?: number } = {}): Promise<{ id: number; name: string }> {
  const r = await h.admin('POST', '/api/admin/teams', { name: `团队${++leadSeq}`, members: ['zhangsan'], ...fields });
  if (r.status !== 201) throw new Error(`makeTeam: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A rep signed in through the mini-program login (the simulator issues the code); returns the bearer token. */
export async function signInRep(h: Harness, userId: string): Promise<string> {
  const r = await fetch(`${h.url}/api/mp/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: h.sim.state.issueLoginCode(userId) }),
  });
  if (r.status !== 200) throw new Error(`signInRep: ${r.status}`);
  return ((await r.json()) as { token: string }).token;
}
