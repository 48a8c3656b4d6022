import type { ConsoleArea } from '../types';

export default {
  key: 'dashboard',
  title: '数据概览',
  icon: 'DataAnalysis',
  order: 10,
  routes: [{ path: '/dashboard', component: () => import('./DashboardPage.vue'), meta: { title: '数据概览' } }],
} satisfies ConsoleArea;
