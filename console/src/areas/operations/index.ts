import type { ConsoleArea } from '../types';

export default {
  key: 'operations',
  title: '运维',
  icon: 'Monitor',
  order: 80,
  adminOnly: true,
  routes: [{ path: '/operations', component: () => import('./OperationsPage.vue'), meta: { title: '运维：队列与死信' } }],
} satisfies ConsoleArea;
