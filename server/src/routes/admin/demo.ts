import Router from '@koa/router';
import { createRouter } from '../../http/router';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { getChannel } from '../../channels/commands';
import { notFound } from '../../http/errors';
import { LOGIN_CODE_TTL_MS, WecomDriver, WecomSimulator } from '../../wecom/simulator';
import { userIdParam } from '../../members/schemas';

const simulateAddSchema = z.object({
  channelId: z.number().int().positive().optional(),
  userId: z.string().min(1).max(64).optional(),
  name: z.string().min(1).max(64).optional(),
});

/**
 * Demo mode only: plays a customer scanning a channel code, as WeCom would — the simulator gets
 * the customer and a welcome code, and a signed, encrypted callback is posted to this service.
 */
export function demoAdminRoutes(app: AppContext, simulator: WecomSimulator | undefined): Router {
  const router = createRouter({ prefix: '/demo' });
  router.post('/simulate-add', async (ctx) => {
    if (!simulator || !app.config.demoMode) throw notFound('demo endpoint (only in demo mode)');
    const input = simulateAddSchema.parse(ctx.request.body ?? {});
    const channel = input.channelId ? await getChannel(app, input.channelId) : null;
    const driver = new WecomDriver({
      callbackUrl: `http://127.0.0.1:${ctx.socket.localPort}/wecom/callback`,
      token: app.config.wecom.callbackToken,
      encodingAesKey: app.config.wecom.callbackAesKey,
      corpId: app.config.wecom.corpId,
      simulator,
    });
    const result = await driver.customerAddsRep({
      userId: input.userId ?? channel?.userIds[0] ?? 'zhangsan',
      state: channel?.state,
      customer: { name: input.name ?? `演示客户${Math.floor(Math.random() * 1000)}` },
    });
    ctx.status = 202;
    ctx.body = { externalUserId: result.externalUserId, callbackStatus: result.response.status };
  });

  // What wx.qy.login() would give a simulated member in WeCom: a one-time code for
  // POST /api/mp/login, so the mini-program can be tried as any member and role.
  router.post('/login-code', async (ctx) => {
    if (!simulator || !app.config.demoMode) throw notFound('demo endpoint (only in demo mode)');
    const { userId } = z.object({ userId: userIdParam }).parse(ctx.request.body ?? {});
    if (!simulator.state.hasMember(userId)) throw notFound('simulated member');
    ctx.body = { userId, code: simulator.state.issueLoginCode(userId), expiresInSeconds: LOGIN_CODE_TTL_MS / 1000 };
  });
  return router;
}
