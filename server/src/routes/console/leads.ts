import Router from '@koa/router';
import { IsNull } from 'typeorm';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { Channel } from '../../channels/channel.entity';
import { exportFile, findOwnExport, listOwnExports, presentExport, startExportBody, startLeadExport } from '../../console/leads/export/lead-exports';
import { assignableMembers, leadTable, leadTableQuery } from '../../console/leads/lead-table';
import { duplicatesOf, leadView } from '../../console/leads/lead-view';
import { parseConsoleInput } from '../../console/leads/validate';
import { replyRevealed } from '../../http/mask-replies';
import { createRouter } from '../../http/router';
import { reassignLead } from '../../leads/assignment/reassign-lead';
import { LEAD_GRADES } from '../../leads/cards';
import { LEAD_STAGES } from '../../leads/lead.entity';
import { mergeLeadsByHand } from '../../leads/merge/merge-by-hand';
import { MERGE_REASON_LABEL } from '../../leads/merge/merge-leads';
import { revealPhone, revealSchema } from '../../leads/reveal-phone';
import { changeStage } from '../../leads/stages/change-stage';
import { STAGE_LABELS } from '../../leads/stages/transitions';
import type { MemberActor } from '../../members/member-actor';
import { findLeadFor, leadScopeOf } from '../../policies/lead';
import { corpTagsToPick } from '../../tags/corp-tag-list';
import { csrfMatches, type ConsoleSessionFound } from '../../console/console-sessions';
import { HttpError } from '../../http/errors';

/** An id in the path: plain digits, else 400 naming what it is (the console shows the message). */
const idIn = (what: string) => z.string().regex(/^[1-9][0-9]{0,14}$/, `${what}必须是正整数`).transform(Number);
const leadId = idIn('线索编号');
const exportId = idIn('导出编号');

const stageBody = z.strictObject({
  stage: z.enum(LEAD_STAGES, { error: '请选择要变更到的阶段' }),
  reason: z.string().trim().max(200, '备注最多 200 个字').optional(),
});

const reassignBody = z.strictObject({
  toUserId: z.string({ error: '请选择新的负责人' }).trim().min(1, '请选择新的负责人').max(64),
  reason: z.string({ error: '请填写改派原因' }).trim().min(1, '请填写改派原因').max(200, '改派原因最多 200 个字'),
});

const mergeBody = z.strictObject({
  otherLeadId: z.number({ error: '请选择要合并的线索' }).int().positive(),
  keepLeadId: z.number().int().positive().optional(),
});

const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * /api/console/leads: the console's lead table and a lead's page, for admins (every lead) and
 * managers (their teams' leads and pools), decided by the lead policy with the signed-in member
 * (policies/lead.ts): a lead they may not see is a 404, an action they may not take a 403. Every
 * action goes through the same commands as the admin API and the mini-program, with the member
 * as the actor, so the timeline and the audit log name them: reveal (with a purpose), stage,
 * reassign, merge; and the Excel export, built by a job whose progress the page polls.
 */
export function consoleLeadRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/leads' });
  const actorOf = (ctx: { state: Record<string, unknown> }) => ctx.state.actor as MemberActor;
  const scopeOf = (ctx: { state: Record<string, unknown> }) => leadScopeOf(app.dataSource.manager, actorOf(ctx));
  const viewOf = async (ctx: { state: Record<string, unknown> }, id: number) => {
    const { lead, scope } = await findLeadFor(app.dataSource.manager, actorOf(ctx), id, 'view');
    return leadView(app, scope, lead);
  };

  router.get('/', async (ctx) => {
    // A full-number search is logged as a reveal under the member's name: a write, so it needs the
    // page's CSRF token like any other (a link from another site must not log searches in their name).
    if (ctx.query.phone !== undefined && !csrfMatches(ctx.get('x-csrf-token') || undefined, (ctx.state.consoleSession as ConsoleSessionFound).csrfToken)) {
      throw new HttpError(403, 'csrf_failed', '页面已过期，请刷新页面后重试');
    }
    const query = parseConsoleInput(leadTableQuery, ctx.query);
    ctx.body = await leadTable(app, await scopeOf(ctx), query);
  });

  // What the table's filters and the action dialogs pick from.
  router.get('/options', async (ctx) => {
    const scope = await scopeOf(ctx);
    const [channels, members, tags] = await Promise.all([
      app.dataSource.getRepository(Channel).find({ where: { deletedAt: IsNull() }, select: { id: true, name: true }, order: { id: 'DESC' } }),
      assignableMembers(app, scope),
      corpTagsToPick(app),
    ]);
    ctx.body = {
      stages: LEAD_STAGES.map((stage) => ({ stage, label: STAGE_LABELS[stage] })),
      grades: [...LEAD_GRADES],
      channels: channels.map((c) => ({ id: c.id, name: c.name })),
      members,
      tags,
    };
  });

  router.get('/exports', async (ctx) => {
    ctx.body = { items: await listOwnExports(app, actorOf(ctx).userId) };
  });
  router.post('/exports', async (ctx) => {
    const body = parseConsoleInput(startExportBody, ctx.request.body ?? {});
    ctx.status = 202;
    ctx.body = await startLeadExport(app, await scopeOf(ctx), actorOf(ctx).userId, body);
  });
  router.get('/exports/:id', async (ctx) => {
    ctx.body = presentExport(await findOwnExport(app, actorOf(ctx).userId, parseConsoleInput(exportId, ctx.params.id)));
  });
  router.get('/exports/:id/file', async (ctx) => {
    const id = parseConsoleInput(exportId, ctx.params.id);
    const file = await exportFile(app, actorOf(ctx).userId, id);
    // Masked when written (lead-workbook.ts); a binary body is not one the reply masking reads.
    ctx.set('Content-Disposition', `attachment; filename="lead-export-${id}.xlsx"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = xlsxType;
    ctx.body = file.body;
  });

  router.get('/:id', async (ctx) => {
    ctx.body = await viewOf(ctx, parseConsoleInput(leadId, ctx.params.id));
  });

  router.get('/:id/duplicates', async (ctx) => {
    const { lead, scope } = await findLeadFor(app.dataSource.manager, actorOf(ctx), parseConsoleInput(leadId, ctx.params.id), 'view');
    ctx.body = { items: await duplicatesOf(app, scope, lead) };
  });

  router.post('/:id/phone/reveal', async (ctx) => {
    const id = parseConsoleInput(leadId, ctx.params.id);
    const { purpose } = parseConsoleInput(revealSchema, ctx.request.body ?? {});
    replyRevealed(ctx, await revealPhone(app, actorOf(ctx), id, purpose));
  });

  router.post('/:id/stage', async (ctx) => {
    const id = parseConsoleInput(leadId, ctx.params.id);
    const { stage, reason } = parseConsoleInput(stageBody, ctx.request.body ?? {});
    await changeStage(app, actorOf(ctx), id, stage, reason);
    ctx.body = await viewOf(ctx, id);
  });

  router.post('/:id/reassign', async (ctx) => {
    const id = parseConsoleInput(leadId, ctx.params.id);
    await reassignLead(app, actorOf(ctx), id, parseConsoleInput(reassignBody, ctx.request.body ?? {}));
    ctx.body = await viewOf(ctx, id);
  });

  router.post('/:id/merge', async (ctx) => {
    const id = parseConsoleInput(leadId, ctx.params.id);
    const merged = await mergeLeadsByHand(app, actorOf(ctx), id, parseConsoleInput(mergeBody, ctx.request.body ?? {}));
    ctx.body = { keptLeadId: merged.keptLeadId, mergedLeadId: merged.mergedLeadId, reason: merged.reason, reasonLabel: MERGE_REASON_LABEL[merged.reason] };
  });

  return router;
}
