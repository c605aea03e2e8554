import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into dist/web, which `bin/roger serve` serves (src/http/routes/web.ts). Hashed files go to
// assets/ so the server can cache them for a year; index.html is revalidated on every load.
export default defineConfig({
  root: decodeURIComponent(new URL('.', import.meta.url).pathname),
  base: '/',
  plugins: [react()],
  build: {
    outDir: decodeURIComponent(new URL('../dist/web', import.meta.url).pathname),
    emptyOutDir: true,
    assetsDir: 'assets',
    // The page's CSP allows no inline script; the polyfill is not needed by current browsers.
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' } },
});
