import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import { revealPhone, revealSchema } from '../../leads/reveal-phone';
import { replyRevealed } from '../../http/mask-replies';
import { idParam } from '../../http/params';

/** /api/rep/leads/:id/phone/reveal — the owner sees the full number; the reveal is logged. */
export function repLeadRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/leads' });
  router.post('/:id/phone/reveal', async (ctx) => {
    const { purpose } = revealSchema.parse(ctx.request.body ?? {});
    replyRevealed(ctx, await revealPhone(app, ctx.state.actor, idParam.parse(ctx.params.id), purpose));
  });
  return router;
}
