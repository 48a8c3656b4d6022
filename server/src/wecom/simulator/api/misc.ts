import type { Routes } from './route';

export const miscRoutes: Routes = {
  /** WeCom's callback source IPs; the simulator's driver posts from localhost. */
  getcallbackip: { method: 'GET', handle: () => ({ ip_list: ['127.0.0.1'] }) },
};
