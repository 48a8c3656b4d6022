import type { EntityManager } from 'typeorm';
import type { WecomClient } from '../../wecom/client';
import { AgreeStatus, ArchiveConsent } from './archive-consent.entity';

/**
 * Whether a customer agreed to have their chats with a rep archived (msgaudit/check_single_agree,
 * wecom-reference.md §7). What WeCom says is kept in archive_consent and used for messages sent
 * before it was asked, for 10 minutes (a backlog read in batches costs a few calls, not one per
 * message); a message sent after the answer asks again.
 *
 * A change applies going forward: WeCom gives the time of the last change, and a message sent
 * before it falls under the previous status (the opposite one). Messages stored while a customer
 * agreed stay stored after they withdraw; messages from before they agreed are not stored.
 */

export const CONSENT_TTL_MS = 10 * 60_000;
/** Pairs per check_single_agree call (WeCom documents no limit; kept modest). */
const PAIRS_PER_CALL = 100;

export interface ConsentPair {
  userId: string;
  externalUserId: string;
}

/** A pair, and the time of the latest message of the batch that needs its consent. */
export interface ConsentNeed extends ConsentPair {
  sentAt: number;
}

export const pairKey = (p: ConsentPair) => `${p.userId}\n${p.externalUserId}`;

const agrees = (status: AgreeStatus) => status === 'Agree' || status === 'Default_Agree';

/** Whether a message sent at `sentAt` may be stored under this consent. */
export function consentAllows(consent: Pick<ArchiveConsent, 'status' | 'changedAt'>, sentAt: number): boolean {
  return sentAt >= consent.changedAt ? agrees(consent.status) : !agrees(consent.status);
}

/**
 * The consent of each pair, asking WeCom for those not known, older than the TTL, or asked before
 * the pair's latest message was sent (an answer cannot speak for what came after it: a customer
 * who agrees a minute after a cached "Disagree" must not lose that minute's messages). A failed
 * call throws: the pull stops and tries again later, rather than storing or dropping on a guess.
 */
export async function consentOf(manager: EntityManager, client: WecomClient, needs: ConsentNeed[], now = Date.now()): Promise<Map<string, ArchiveConsent>> {
  const latest = new Map<string, number>();
  for (const need of needs) latest.set(pairKey(need), Math.max(latest.get(pairKey(need)) ?? 0, need.sentAt));
  const wanted = new Map(needs.map((p) => [pairKey(p), p]));
  const known = new Map<string, ArchiveConsent>();
  if (wanted.size === 0) return known;
  const rows = await manager
    .getRepository(ArchiveConsent)
    .createQueryBuilder('c')
    .where('c.user_id IN (:...users)', { users: [...new Set(needs.map((p) => p.userId))] })
    .andWhere('c.external_user_id IN (:...customers)', { customers: [...new Set(needs.map((p) => p.externalUserId))] })
    .getMany();
  for (const row of rows) {
    const key = pairKey(row);
    if (wanted.has(key) && row.checkedAt > now - CONSENT_TTL_MS && row.checkedAt >= (latest.get(key) ?? 0)) known.set(key, row);
  }
  const stale = [...wanted.values()].filter((p) => !known.has(pairKey(p)));
  for (let i = 0; i < stale.length; i += PAIRS_PER_CALL) {
    const chunk = stale.slice(i, i + PAIRS_PER_CALL);
    const reply = await client.post<{ agreeinfo?: Array<{ userid?: string; exteranalopenid?: string; agree_status?: string; status_change_time?: number }> }>(
      'msgaudit/check_single_agree',
      // WeCom's field name is spelled `exteranalopenid`.
      { info: chunk.map((p) => ({ userid: p.userId, exteranalopenid: p.externalUserId })) },
    );
    const answered = new Map((reply.agreeinfo ?? []).map((a) => [`${a.userid}\n${a.exteranalopenid}`, a]));
    const fresh = chunk.map((p) => {
      const a = answered.get(pairKey(p));
      const status: AgreeStatus = a?.agree_status === 'Agree' || a?.agree_status === 'Default_Agree' ? a.agree_status : 'Disagree';
      // A pair WeCom does not answer for is treated as not agreed (nothing stored on a guess).
      return Object.assign(new ArchiveConsent(), { userId: p.userId, externalUserId: p.externalUserId, status, changedAt: (a?.status_change_time ?? 0) * 1000, checkedAt: now });
    });
    await saveConsent(manager, fresh);
    for (const row of fresh) known.set(pairKey(row), row);
  }
  return known;
}

async function saveConsent(manager: EntityManager, rows: ArchiveConsent[]): Promise<void> {
  // ON DUPLICATE KEY UPDATE on MySQL, ON CONFLICT … DO UPDATE on SQLite.
  await manager.createQueryBuilder().insert().into(ArchiveConsent).values(rows).orUpdate(['status', 'changed_at', 'checked_at'], ['user_id', 'external_user_id']).execute();
}
