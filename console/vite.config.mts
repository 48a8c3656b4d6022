import path from 'node:path';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

/**
 * The operator console (issue 12): a Vue 3 single-page app built into dist/console and served
 * by the Koa process under /console (server/src/console/serve-console.ts), at the API's origin.
 * `npm run dev:console` serves it with hot reload and sends /api to a running server (PORT 3000).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [vue()],
  resolve: { alias: { '@': path.resolve(import.meta.dirname, 'src') } },
  build: {
    outDir: path.resolve(import.meta.dirname, '../dist/console'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
