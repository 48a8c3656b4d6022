import type Router from '@koa/router';
import type { AppContext } from '../../context';
import { createRouter } from '../../http/router';
import { addChatReadingRoutes } from '../chat-reading';

/** /api/console/leads/:id/chats…, /api/console/chats/search: the same chat reading as the mini-program's (routes/chat-reading.ts). */
export function consoleChatRoutes(app: AppContext): Router {
  return addChatReadingRoutes(app, createRouter(), '/api/console');
}
