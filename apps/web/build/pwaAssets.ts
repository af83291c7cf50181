import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Plugin } from 'vite';

/**
 * Build-time assets of the PWA (issue 12), made from the one SVG in `public/icon.svg`:
 * - PNG icons for the manifest and iOS: 192 and 512 ("any"), 512 maskable (the mark shrunk into
 *   the central 80 % safe zone on the icon's own background, as the maskable spec asks), and a
 *   180 px apple-touch-icon. Fixed names under /icons/, so the hand-written manifest lists them.
 * - `<link rel="preload">` for the three font files every first paint needs (Rajdhani 500 for
 *   text, Orbitron 700 for titles, 900 for the wordmark), so they arrive with the CSS and the
 *   swap does not move the layout. A page that needs more says so itself (the server's route
 *   hints, apps/server/src/http/routeHints.ts).
 */
const BACKGROUND = '#040605';

interface IconSpec {
  fileName: string;
  size: number;
  /** Share of the side the mark takes (1 = edge to edge). */
  scale: number;
}

const ICONS: IconSpec[] = [
  { fileName: 'icons/icon-192.png', size: 192, scale: 1 },
  { fileName: 'icons/icon-512.png', size: 512, scale: 1 },
  { fileName: 'icons/icon-maskable-512.png', size: 512, scale: 0.8 },
  { fileName: 'icons/apple-touch-icon.png', size: 180, scale: 1 },
];

async function renderIcon(svg: Buffer, { size, scale }: IconSpec): Promise<Buffer> {
  const inner = Math.round(size * scale);
  const mark = await sharp(svg, { density: 300 }).resize(inner, inner).png().toBuffer();
  if (inner === size) return sharp(mark).png({ compressionLevel: 9 }).toBuffer();
  const offset = Math.round((size - inner) / 2);
  return sharp({ create: { width: size, height: size, channels: 4, background: BACKGROUND } })
    .composite([{ input: mark, left: offset, top: offset }])
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** Font files whose preload the first screen needs (`@fontsource` names, latin subset). */
const PRELOADED_FONTS = ['rajdhani-latin-500-normal', 'orbitron-latin-700-normal', 'orbitron-latin-900-normal'];

export function pwaAssets(root: string): Plugin {
  return {
    name: 'smartlocker-pwa-assets',
    apply: 'build',
    async generateBundle() {
      const svg = readFileSync(join(root, 'public', 'icon.svg'));
      for (const icon of ICONS) {
        this.emitFile({ type: 'asset', fileName: icon.fileName, source: await renderIcon(svg, icon) });
      }
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        const files = Object.keys(context.bundle ?? {});
        return PRELOADED_FONTS.flatMap((name) => {
          const file = files.find((f) => f.includes(name) && f.endsWith('.woff2'));
          if (!file) throw new Error(`font ${name} is not in the bundle: check src/styles/fonts.css`);
          return [
            {
              tag: 'link',
              attrs: { rel: 'preload', href: `/${file}`, as: 'font', type: 'font/woff2', crossorigin: '' },
              injectTo: 'head' as const,
            },
          ];
        });
      },
    },
  };
}
