import type { ConsoleArea } from '../types';

export default {
  key: 'setup-check',
  title: '接入检查',
  icon: 'CircleCheck',
  order: 90,
  adminOnly: true,
  routes: [{ path: '/setup-check', component: () => import('./SetupCheckPage.vue'), meta: { title: '接入检查' } }],
} satisfies ConsoleArea;
