import type { ConsoleArea } from '../types';

/** The audit log: admins read every row, managers their teams' (the server's audit policy). */
export default {
  key: 'audit',
  title: '审计日志',
  icon: 'Document',
  order: 70,
  routes: [{ path: '/audit', component: () => import('./AuditPage.vue'), meta: { title: '审计日志' } }],
} satisfies ConsoleArea;
