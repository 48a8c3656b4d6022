import type { ConsoleArea } from '../types';

/** 规则与设置 (issue 12): teams and roles, assignment rules, scoring rules, the pool. Admins only. */
export default {
  key: 'settings',
  title: '规则与设置',
  icon: 'Setting',
  order: 40,
  adminOnly: true,
  routes: [
    { path: '/settings', redirect: '/settings/assignment', meta: { title: '规则与设置' } },
    { path: '/settings/:tab(teams|assignment|scoring|pool)', component: () => import('./SettingsPage.vue'), meta: { title: '规则与设置' } },
  ],
} satisfies ConsoleArea;
