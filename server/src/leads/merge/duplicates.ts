import { DataSource, In } from 'typeorm';
import { Lead } from '../lead.entity';
import type { MergeReason } from './merge-leads';

export interface DuplicatePair {
  /** The lead that would be kept by default (the older one). */
  leadId: number;
  otherLeadId: number;
  reasons: MergeReason[];
}

const SHARED = [
  { column: 'phone', reason: 'phone' },
  { column: 'unionid', reason: 'unionid' },
  { column: 'email', reason: 'email' },
] as const;

/**
 * Pairs of live (not merged) leads sharing a phone, unionid or email, newest pairs first. Each
 * arm is an indexed self-join, so this stays cheap while duplicates are few, which is the normal
 * state once capture merges on its own.
 */
export async function findDuplicatePairs(dataSource: DataSource, limit: number): Promise<{ pairs: DuplicatePair[]; leads: Map<number, Lead> }> {
  const byPair = new Map<string, DuplicatePair>();
  for (const { column, reason } of SHARED) {
    const rows: Array<{ a: number | string; b: number | string }> = await dataSource
      .createQueryBuilder()
      .select('a.id', 'a')
      .addSelect('b.id', 'b')
      .from(Lead, 'a')
      .innerJoin(Lead, 'b', `b.${column} = a.${column} AND b.id > a.id`)
      .where(`a.${column} IS NOT NULL AND a.${column} <> ''`)
      .andWhere('a.merged_into_id IS NULL AND b.merged_into_id IS NULL')
      .orderBy('b.id', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(limit)
      .getRawMany();
    for (const row of rows) {
      const key = `${row.a}:${row.b}`;
      const pair = byPair.get(key) ?? { leadId: Number(row.a), otherLeadId: Number(row.b), reasons: [] };
      pair.reasons.push(reason);
      byPair.set(key, pair);
    }
  }
  const pairs = [...byPair.values()].sort((x, y) => y.otherLeadId - x.otherLeadId || y.leadId - x.leadId).slice(0, limit);
  const ids = [...new Set(pairs.flatMap((p) => [p.leadId, p.otherLeadId]))];
  const leads = new Map((ids.length ? await dataSource.getRepository(Lead).findBy({ id: In(ids) }) : []).map((l) => [l.id, l]));
  return { pairs, leads };
}
