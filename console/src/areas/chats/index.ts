import type { ConsoleArea } from '../types';

/** Searching the archived chats across the leads a manager sees (admins: all); reps get a 403 from the server. */
export default {
  key: 'chats',
  title: '聊天搜索',
  icon: 'ChatDotRound',
  order: 35,
  routes: [{ path: '/chats', component: () => import('./ChatSearchPage.vue'), meta: { title: '聊天搜索' } }],
} satisfies ConsoleArea;
