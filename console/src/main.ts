import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import * as Icons from '@element-plus/icons-vue';
import 'element-plus/dist/index.css';
import App from './App.vue';
import { router } from './router';
import { whenSignedOut } from './api';
import { session } from './session';

const app = createApp(App);
app.use(ElementPlus, { locale: zhCn });
for (const [name, component] of Object.entries(Icons)) app.component(name, component);
app.use(router);
// A session that ended (idle, signed out elsewhere, role taken away): back to the sign-in page.
whenSignedOut(() => {
  session.member = null;
  if (router.currentRoute.value.path !== '/login') void router.push({ path: '/login', query: { next: router.currentRoute.value.fullPath, expired: '1' } });
});
app.mount('#app');
