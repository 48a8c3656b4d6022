import type { ConsoleArea } from '../types';

export default {
  key: 'leads',
  title: '线索',
  icon: 'User',
  order: 30,
  routes: [
    { path: '/leads', component: () => import('./LeadsPage.vue'), meta: { title: '线索' } },
    { path: '/leads/:id(\\d+)', component: () => import('./LeadPage.vue'), meta: { title: '线索详情' } },
  ],
} satisfies ConsoleArea;
