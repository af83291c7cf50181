import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/** The server serves `dist/` at `/`; in development Vite serves the app and forwards the API. */
export default defineConfig({
  plugins: [
    preact(),
    // Builds `src/sw.ts` into `dist/sw.js` with the precache list injected. `src/main.tsx`
    // registers it, and `public/manifest.webmanifest` stays the hand-written manifest.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      manifest: false,
      injectManifest: {
        // A classic script: module service workers are not available in every browser with Web Push.
        rollupFormat: 'iife',
        globPatterns: ['**/*.{js,css,html,svg,webmanifest}'],
      },
    }),
  ],
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
