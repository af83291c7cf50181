import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Early hints for the app's own pages (issue 12, LCP): the screens beyond the first load their
 * code on demand, then ask for their data, one round trip after the other. When the page is
 * asked for by its address, the server already knows what it will need, so the response's
 * `Link` header has the browser fetch it alongside the main script: the screen's chunks
 * (`modulepreload`, from Vite's manifest) and the data it reads first (`preload` as fetch, the
 * same requests the app makes, so it reuses their answers: nothing is asked twice).
 */
interface PageNeeds {
  /** The screen's module as Vite's manifest names it (a lazily loaded one). */
  screen?: string;
  /** The API reads the screen makes on its first render, exactly as the app writes them. */
  data: string[];
  /**
   * Font files its first render uses beyond the ones every page preloads (index.html: Rajdhani
   * 500, Orbitron 700 and 900), `@fontsource` names: labels and errors use Rajdhani 700, found
   * only once the screen is drawn otherwise.
   */
  fonts?: string[];
}

const FORM_FONTS = ['rajdhani-latin-700-normal'];

/**
 * By address. Not `/`: it is the landing page for a visitor and the dashboard for a member, and
 * preloading the dashboard's font there measured slower (it competes with the main script).
 */
const PAGES: Record<string, PageNeeds> = {
  '/connexion': { data: ['/api/public-config'], fonts: FORM_FONTS },
  '/inscription': { data: ['/api/public-config'], fonts: FORM_FONTS },
  '/reserver': {
    screen: 'src/screens/booking/BookingScreen.tsx',
    data: ['/api/bookings/calendar', '/api/bookings'],
    fonts: FORM_FONTS,
  },
  '/admin': {
    screen: 'src/screens/AdminHomeScreen.tsx',
    data: ['/api/admin/overview', '/api/admin/alarms'],
    fonts: FORM_FONTS,
  },
};

const ManifestChunk = z.object({
  file: z.string(),
  imports: z.array(z.string()).optional(),
  css: z.array(z.string()).optional(),
  isEntry: z.boolean().optional(),
});
const Manifest = z.record(z.string(), ManifestChunk);
type Manifest = z.infer<typeof Manifest>;

/** Reads `dist/.vite/manifest.json`; null when the build has none (hints for data only then). */
export function readViteManifest(webRoot: string): Manifest | null {
  try {
    return Manifest.parse(JSON.parse(readFileSync(join(webRoot, '.vite', 'manifest.json'), 'utf8')));
  } catch {
    return null;
  }
}

/** The files a chunk brings that the entry does not already load: its own, its imports', their CSS. */
function chunkFiles(manifest: Manifest, key: string): { scripts: string[]; styles: string[] } {
  const entry = Object.keys(manifest).find((name) => manifest[name]?.isEntry);
  const loaded = new Set<string>();
  const walk = (name: string, into: Set<string>) => {
    if (into.has(name)) return;
    into.add(name);
    for (const imported of manifest[name]?.imports ?? []) walk(imported, into);
  };
  if (entry) walk(entry, loaded);
  const needed = new Set<string>();
  walk(key, needed);
  const scripts: string[] = [];
  const styles: string[] = [];
  for (const name of needed) {
    const chunk = manifest[name];
    if (!chunk || loaded.has(name)) continue;
    scripts.push(`/${chunk.file}`);
    for (const css of chunk.css ?? []) styles.push(`/${css}`);
  }
  return { scripts, styles };
}

export type RouteHints = (path: string) => string | null;

/** `path` → the `Link` header value for that page, or null when it needs nothing ahead. */
export function createRouteHints(manifest: Manifest | null): RouteHints {
  const headers = new Map<string, string>();
  for (const [path, needs] of Object.entries(PAGES)) {
    const links: string[] = [];
    if (needs.screen && manifest?.[needs.screen]) {
      const { scripts, styles } = chunkFiles(manifest, needs.screen);
      for (const style of styles) links.push(`<${style}>; rel=preload; as=style`);
      for (const script of scripts) links.push(`<${script}>; rel=modulepreload`);
    }
    for (const font of needs.fonts ?? []) {
      const file = manifest && Object.entries(manifest).find(([name]) => name.endsWith(`/${font}.woff2`))?.[1].file;
      // Fonts are fetched in CORS mode, so their preload says so to be used.
      if (file) links.push(`</${file}>; rel=preload; as=font; type="font/woff2"; crossorigin=anonymous`);
    }
    // `crossorigin=anonymous` is the credentials mode of the app's same-origin fetch.
    for (const url of needs.data) links.push(`<${url}>; rel=preload; as=fetch; crossorigin=anonymous`);
    headers.set(path, links.join(', '));
  }
  return (path) => headers.get(path.length > 1 ? path.replace(/\/+$/, '') : path) || null;
}
