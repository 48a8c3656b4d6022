import { createRouter, createWebHistory } from 'vue-router';
import { areas } from './areas';
import ConsoleLayout from './layout/ConsoleLayout.vue';
import LoginPage from './pages/LoginPage.vue';
import NotFoundPage from './pages/NotFoundPage.vue';
import { isAdmin, loadSession, session } from './session';

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/login', component: LoginPage, meta: { public: true, title: '登录' } },
    {
      path: '/',
      component: ConsoleLayout,
      children: [{ path: '', redirect: areas[0]?.routes[0]?.path ?? '/dashboard' }, ...areas.flatMap((a) => a.routes.map((r) => ({ ...r, meta: { ...r.meta, area: a.key, adminOnly: a.adminOnly } })))],
    },
    { path: '/:rest(.*)*', component: NotFoundPage, meta: { title: '页面不存在' } },
  ],
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!session.loaded || !session.member) await loadSession();
  if (!session.member) return { path: '/login', query: { next: to.fullPath } };
  if (to.meta.adminOnly && !isAdmin()) return { path: '/' };
  return true;
});

router.afterEach((to) => {
  document.title = `${(to.meta.title as string | undefined) ?? '管理后台'} · 线索管理后台`;
});
