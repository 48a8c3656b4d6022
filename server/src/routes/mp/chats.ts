import type Router from '@koa/router';
import type { AppContext } from '../../context';
import { createRouter } from '../../http/router';
import { addChatReadingRoutes } from '../chat-reading';

/** /api/mp/leads/:id/chats…, /api/mp/chats/search: a lead's archived chats and the managers' search (routes/chat-reading.ts). */
export function mpChatRoutes(app: AppContext): Router {
  return addChatReadingRoutes(app, createRouter(), '/api/mp');
}
