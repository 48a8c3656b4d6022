import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AppContext } from '../context';
import { chatMediaFile } from '../archive/views/chat-media';
import { leadChats, searchChats } from '../archive/views/chat-queries';
import { chatSearchQuery, leadChatsQuery, pathId } from '../archive/views/chat-view-schemas';
import { parseConsoleInput } from '../console/leads/validate';
import type { MemberActor } from '../members/member-actor';
import { findLeadFor, leadScopeOf } from '../policies/lead';

const leadId = pathId('线索编号');
const messageId = pathId('消息编号');

/**
 * The chat archive's read routes (docs/api.md, "Chat archive"), the same on both member surfaces:
 * the mini-program (/api/mp) and the console (/api/console) mount them on their own routers,
 * behind their own session checks. Thin: validate (Chinese messages on both surfaces), authorize
 * (readChats on the lead, or the search scope), query, present. `surfaceBase` is where the
 * router is mounted, so media urls point back at the same surface.
 */
export function addChatReadingRoutes(app: AppContext, router: Router, surfaceBase: string): Router {
  const actorOf = (ctx: Context) => ctx.state.actor as MemberActor;

  router.get('/leads/:id/chats', async (ctx) => {
    const id = parseConsoleInput(leadId, ctx.params.id);
    const query = parseConsoleInput(leadChatsQuery, ctx.query);
    const { lead } = await findLeadFor(app.dataSource.manager, actorOf(ctx), id, 'readChats');
    ctx.body = await leadChats(app, lead, query, surfaceBase);
  });

  router.get('/leads/:id/chats/:messageId/media', async (ctx) => {
    const id = parseConsoleInput(leadId, ctx.params.id);
    const message = parseConsoleInput(messageId, ctx.params.messageId);
    await findLeadFor(app.dataSource.manager, actorOf(ctx), id, 'readChats');
    const file = await chatMediaFile(app, id, message);
    // Bytes as stored: a binary body is not one reply masking reads (nor could it mask a picture).
    ctx.set('Cache-Control', 'private, no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Disposition', `${file.inline ? 'inline' : 'attachment'}; filename="${file.fileName}"`);
    ctx.type = file.contentType;
    ctx.body = file.data;
  });

  router.get('/chats/search', async (ctx) => {
    const query = parseConsoleInput(chatSearchQuery, ctx.query);
    ctx.body = await searchChats(app, await leadScopeOf(app.dataSource.manager, actorOf(ctx)), query, surfaceBase);
  });

  return router;
}
