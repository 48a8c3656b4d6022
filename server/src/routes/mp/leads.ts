import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import type { MemberActor } from '../../members/member-actor';
import { leadCardListQuery, listLeadCards, presentLeadDetail } from '../../leads/cards';
import { changeStage } from '../../leads/stages/change-stage';
import { presentStageChange } from '../../leads/stages/presenters';
import { changeStageSchema } from '../../leads/stages/schemas';
import { STAGE_LABELS } from '../../leads/stages/transitions';
import { revealPhone, revealSchema } from '../../leads/reveal-phone';
import { setLeadTags, setLeadTagsSchema } from '../../leads/tags/set-lead-tags';
import { findLeadFor, leadScopeOf } from '../../policies/lead';
import { replyRevealed } from '../../http/mask-replies';
import { idParam } from '../../http/params';

const actorOf = (state: { actor: MemberActor }) => state.actor;

/**
 * /api/mp/leads…: the member's lead lists (mine, pool, team), a lead's detail, its stage, its
 * tags and the logged phone reveal. What a member may see and do is the lead policy's answer
 * (policies/lead.ts): a lead they may not see answers 404, exactly like an id that does not exist.
 */
export function mpLeadRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/leads' });

  router.get('/', async (ctx) => {
    const query = leadCardListQuery.parse(ctx.query);
    const scope = await leadScopeOf(app.dataSource.manager, actorOf(ctx.state));
    ctx.body = await listLeadCards(app, scope, query);
  });

  router.get('/:id', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const { lead, scope } = await findLeadFor(app.dataSource.manager, actorOf(ctx.state), id, 'view');
    ctx.body = await presentLeadDetail(app, scope, lead);
  });

  router.post('/:id/stage', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const { stage, reason } = changeStageSchema.parse(ctx.request.body ?? {});
    const changed = await changeStage(app, actorOf(ctx.state), id, stage, reason);
    ctx.body = { lead: { ...presentStageChange(changed), stageLabel: STAGE_LABELS[changed.stage] } };
  });

  router.post('/:id/phone/reveal', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const { purpose } = revealSchema.parse(ctx.request.body ?? {});
    replyRevealed(ctx, await revealPhone(app, actorOf(ctx.state), id, purpose));
  });

  router.put('/:id/tags', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const { tags } = setLeadTagsSchema.parse(ctx.request.body ?? {});
    ctx.body = { tags: await setLeadTags(app, actorOf(ctx.state), id, tags) };
  });

  return router;
}
