import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { pwaAssets } from './build/pwaAssets';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The server serves `dist/` at `/`; in development Vite serves the app and forwards the API. */
export default defineConfig({
  plugins: [
    preact(),
    pwaAssets(root),
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
        // The app shell for offline use: every screen's code, styles, fonts, icons and the manifest.
        // The QR decoder's WebAssembly (1 MB) is cached when first used.
        globPatterns: ['index.html', 'assets/*.{js,css,woff2}', 'icons/*.png', '*.{svg,webmanifest}'],
      },
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // dist/.vite/manifest.json: the server announces a lazily loaded screen's chunks with the
    // page (apps/server/src/http/routeHints.ts).
    manifest: true,
    target: 'es2020',
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
