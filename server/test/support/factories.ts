import type { DataSource } from 'typeorm';
import { Lead } from '../../src/leads/lead.entity';
import { ManagedTeam } from '../../src/members/managed-team.entity';
import type { MemberRole } from '../../src/members/member-actor';
import { MemberRoleRow } from '../../src/members/member-role.entity';
import { Member, type MemberStatus } from '../../src/members/member.entity';
import type { presentMpMember } from '../../src/members/presenters';
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

/**
 * A WeCom member with roles, as the member sync and the admin API would leave them: in the
 * simulator's directory (so a sync keeps them) and in the member tables. Roles default to rep;
 * an existing member keeps the roles they have.
 */
export async function makeMember(
  h: Harness,
  userId: string,
  fields: { name?: string; roles?: MemberRole[]; storeId?: number | null; managedTeamIds?: number[]; status?: MemberStatus } = {},
): Promise<Member> {
  if (!h.sim.state.hasMember(userId)) h.sim.state.addMember(userId, fields.name ?? userId);
  const ds = h.runtime.ctx.dataSource;
  const now = Date.now();
  let member = await ds.getRepository(Member).findOneBy({ userId });
  if (!member) {
    member = ds.getRepository(Member).create({
      userId,
      name: fields.name ?? userId,
      departmentIds: [1],
      status: fields.status ?? 'active',
      storeId: fields.storeId ?? null,
      syncedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    await ds.getRepository(Member).insert(member);
    await ds.getRepository(MemberRoleRow).insert((fields.roles ?? ['rep']).map((role) => ({ userId, role })));
    if (fields.managedTeamIds?.length) await ds.getRepository(ManagedTeam).insert(fields.managedTeamIds.map((teamId) => ({ userId, teamId })));
  }
  return member;
}

let signIns = 0;

/** Signs a member in through the mini-program login (the simulator issues the code); the whole 200 reply. */
export async function signIn(h: Harness, userId: string): Promise<{ accessToken: string; refreshToken: string; accessExpiresAt: string; refreshExpiresAt: string; member: Awaited<ReturnType<typeof presentMpMember>> }> {
  const r = await fetch(`${h.url}/api/mp/login`, {
    method: 'POST',
    // Each from its own address (the harness trusts X-Forwarded-For): the per-address sign-in limit is not under test here.
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `192.0.2.${(signIns++ % 254) + 1}` },
    body: JSON.stringify({ code: h.sim.state.issueLoginCode(userId) }),
  });
  if (r.status !== 200) throw new Error(`signIn ${userId}: ${r.status} ${await r.text()}`);
  return (await r.json()) as never;
}

/** A rep (a member with the rep role, made when missing) signed in through the mini-program; returns the access token. */
export async function signInRep(h: Harness, userId: string): Promise<string> {
  await makeMember(h, userId);
  return (await signIn(h, userId)).accessToken;
}
