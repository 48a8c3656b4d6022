import Router from '@koa/router';
import { z } from 'zod';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import type { MemberActor } from '../../members/member-actor';
import { leadOfChatContact } from '../../capture/chat-contact';
import { presentLeadDetail } from '../../leads/cards';
import { ID_MAX_LENGTH } from '../../wecom/events';

/** An external_userid as WeCom spells them (letters, digits, '-' and '_'), within WeCom's length. */
const externalUserIdParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'not an external_userid')
  .max(ID_MAX_LENGTH.ExternalUserID);

/**
 * /api/mp/contacts/:externalUserId/lead: the chat toolbar's view of the customer in the chat
 * (wx.qy.getCurExternalContact): their lead's detail, made a lead first when they are the rep's
 * WeCom customer and not one yet (capture/chat-contact.ts).
 */
export function mpContactRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/contacts' });
  router.get('/:externalUserId/lead', async (ctx) => {
    const externalUserId = externalUserIdParam.parse(ctx.params.externalUserId);
    const { lead, scope } = await leadOfChatContact(app, ctx.state.actor as MemberActor, externalUserId);
    ctx.body = await presentLeadDetail(app, scope, lead);
  });
  return router;
}
