import type { ConsoleArea } from '../types';

export default {
  key: 'channels',
  title: '渠道活码',
  icon: 'Connection',
  order: 20,
  routes: [
    { path: '/channels', component: () => import('./ChannelsPage.vue'), meta: { title: '渠道活码' } },
    { path: '/channels/:id(\\d+)', component: () => import('./ChannelsPage.vue'), meta: { title: '渠道活码' } },
  ],
} satisfies ConsoleArea;
