import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The server serves `dist/` at `/`; in development Vite serves the app and forwards the API. */
export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
