import { z } from 'zod';
import type { AppContext } from '../../context';
import { normalizePhone } from '../../capture/contact-fields';
import { idParam } from '../../http/params';
import { LEAD_GRADES, leadCards } from '../../leads/cards';
import { LEAD_STAGES } from '../../leads/lead.entity';
import { filteredLeads, type LeadListFilter } from '../../leads/queries';
import { logPhoneSearch } from '../../leads/reveal-phone';
import { memberNames } from '../../members/names';
import { actorLabel } from '../../policies/actor';
import { searchableRemarksOf, visibleLeadsSql, type LeadScope } from '../../policies/lead';
import { isoOrNull } from '../../util/time';
import { Lead } from '../../leads/lead.entity';
import { countDigits } from '../../privacy/phone-numbers';

/**
 * The console's lead table (GET /api/console/leads): the admin API's filters, over the leads the
 * member may see (policies/lead.ts visibleLeadsSql), sorted by a column and paged by number with
 * a total, as Chinese back-office tables are. Paging by number costs an OFFSET, so it stops at
 * MAX_WINDOW rows: past that a person narrows the filter (the admin API's keyset list is for
 * machines walking everything).
 */

export const MAX_WINDOW = 10_000;
export const PAGE_SIZES = [10, 20, 50, 100] as const;

const SORT_COLUMNS = { createdAt: 'l.id', score: 'l.score', lastInteractionAt: 'l.last_interaction_at' } as const;

/** The filters, shared with the export (which takes them all but the phone: see export/start-export.ts). */
export const leadFilterFields = {
  channelId: idParam.optional(),
  ownerUserId: z.string().trim().min(1).max(64).optional(),
  tag: z.string().trim().min(1).max(64).optional(),
  stage: z.enum(LEAD_STAGES).optional(),
  grade: z.enum(LEAD_GRADES).optional(),
  inPool: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  /**
   * Name or a rep's remark. At most two digits, as in the mini-program: the match runs on the
   * unmasked text, so typing digit after digit would read a masked number without a logged
   * reveal. A full number goes in `phone`, which is logged.
   */
  q: z
    .string()
    .trim()
    .min(1, '请输入搜索词')
    .max(64, '搜索词最多 64 个字')
    .refine((text) => countDigits(text) <= 2, '搜索词最多包含 2 个数字；按手机号查找请使用「手机号」筛选')
    .optional(),
};

/** A full phone number, normalised as stored (capture/contact-fields), or 400. */
const phoneField = z
  .string()
  .max(40, '请输入正确的手机号')
  .transform((raw, c) => {
    const { phone } = normalizePhone(raw);
    if (!phone) {
      c.addIssue({ code: 'custom', message: '请输入正确的手机号' });
      return z.NEVER;
    }
    return phone;
  });

export const leadTableQuery = z
  .strictObject({
    ...leadFilterFields,
    phone: phoneField.optional(),
    sort: z.enum(['createdAt', 'score', 'lastInteractionAt']).default('createdAt'),
    order: z.enum(['asc', 'desc']).default('desc'),
    page: z.coerce.number().int().min(1).default(1),
    pageSize: z.coerce
      .number()
      .int()
      .refine((n) => (PAGE_SIZES as readonly number[]).includes(n), '每页条数只能是 10、20、50 或 100')
      .default(20),
  })
  .refine((q) => q.page * q.pageSize <= MAX_WINDOW, { path: ['page'], message: `最多只能翻到前 ${MAX_WINDOW} 条，请添加筛选条件缩小范围` });
export type LeadTableQuery = z.infer<typeof leadTableQuery>;
export type LeadTableFilter = Omit<LeadListFilter, 'limit' | 'cursor' | 'remarksOf'>;

/** The filtered, scoped leads as a query builder on `l` (the table and the export read the same set). */
export function scopedLeads(ctx: AppContext, scope: LeadScope, filter: LeadTableFilter) {
  const allowed = visibleLeadsSql(scope, 'l');
  return filteredLeads(ctx.dataSource.manager, { ...filter, remarksOf: searchableRemarksOf(scope) }).andWhere(allowed.sql, allowed.params);
}

/** A row of the table: the mini-program's card, the owner's name and when the lead came. */
export async function leadRows(ctx: AppContext, leads: Lead[]) {
  const [cards, names] = await Promise.all([leadCards(ctx, leads), memberNames(ctx.dataSource.manager, leads.map((l) => l.ownerUserId).filter((u): u is string => !!u))]);
  return cards.map((card, i) => ({
    ...card,
    ownerName: card.ownerUserId ? (names.get(card.ownerUserId) ?? card.ownerUserId) : null,
    createdAt: isoOrNull(leads[i].createdAt),
  }));
}

export async function leadTable(ctx: AppContext, scope: LeadScope, query: LeadTableQuery) {
  const { sort, order, page, pageSize, ...filter } = query;
  const qb = scopedLeads(ctx, scope, filter);
  const total = await qb.clone().getCount();
  // The id breaks ties, so a page is the same on both databases and across requests.
  qb.orderBy(SORT_COLUMNS[sort], order === 'asc' ? 'ASC' : 'DESC');
  if (sort !== 'createdAt') qb.addOrderBy('l.id', order === 'asc' ? 'ASC' : 'DESC');
  const leads = await qb
    .offset((page - 1) * pageSize)
    .limit(pageSize)
    .getMany();
  if (filter.phone !== undefined && total > 0) {
    // A full number that finds a lead tells whose it is: logged like a reveal, before the reply —
    // every lead it found, not just this page's (a page past the end still says how many, and the
    // other filters narrow it down). Numbers are few per phone: the whole match is small.
    const matched = await qb.clone().select(['l.id', 'l.ownerUserId']).offset(0).limit(1000).getMany();
    await ctx.dataSource.transaction((manager) => logPhoneSearch(manager, scope.actor, matched));
    ctx.logger.info({ actor: actorLabel(scope.actor), leadIds: matched.map((l) => l.id) }, 'console lead table searched by phone');
  }
  return { items: await leadRows(ctx, leads), total, page, pageSize, maxWindow: MAX_WINDOW };
}

/** The owners a member may filter by and give leads to: their teams' members, or every rep and manager for an admin. */
export async function assignableMembers(ctx: AppContext, scope: LeadScope): Promise<Array<{ userId: string; name: string }>> {
  const manager = ctx.dataSource.manager;
  let userIds: string[];
  if (scope.all) {
    const rows = await manager.query(
      `SELECT DISTINCT r.user_id AS userId FROM member_role r JOIN member m ON m.user_id = r.user_id WHERE r.role IN ('rep', 'manager') AND m.status = 'active'`,
    );
    userIds = rows.map((r: { userId: string }) => r.userId);
  } else {
    userIds = [...scope.teamOwners];
  }
  if (!userIds.length) return [];
  const names = await memberNames(manager, userIds);
  return userIds
    .map((userId) => ({ userId, name: names.get(userId) ?? userId }))
    .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN') || a.userId.localeCompare(b.userId));
}
