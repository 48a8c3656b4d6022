import type { ConsoleArea } from '../types';

/**
 * 客户培育: nurture sequences (list, view with the funnel, create and edit, enable and disable),
 * the enrollments, and the message budget (admins). Managers read sequences, funnels (their
 * teams' leads) and enrollments; the server refuses them the rest.
 */
export default {
  key: 'nurture',
  title: '客户培育',
  icon: 'Promotion',
  order: 60,
  routes: [
    { path: '/nurture', component: () => import('./SequencesPage.vue'), meta: { title: '客户培育 · 培育序列' } },
    { path: '/nurture/sequences/new', component: () => import('./SequenceEditPage.vue'), meta: { title: '客户培育 · 新建序列' } },
    { path: '/nurture/sequences/:key', component: () => import('./SequencePage.vue'), meta: { title: '客户培育 · 序列详情' } },
    { path: '/nurture/sequences/:key/edit', component: () => import('./SequenceEditPage.vue'), meta: { title: '客户培育 · 编辑序列' } },
    { path: '/nurture/enrollments', component: () => import('./EnrollmentsPage.vue'), meta: { title: '客户培育 · 培育记录' } },
    { path: '/nurture/budget', component: () => import('./BudgetPage.vue'), meta: { title: '客户培育 · 群发额度' } },
  ],
} satisfies ConsoleArea;
