import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRouteHints, readViteManifest } from '../../src/http/routeHints';

/** A Vite manifest shaped like the web build's: an entry, a shared chunk, two lazy screens, fonts. */
const MANIFEST = {
  'index.html': { file: 'assets/index-A1.js', isEntry: true, imports: ['_client-C1.js'] },
  '_client-C1.js': { file: 'assets/client-C1.js' },
  '_AdminFormControls-F1.js': { file: 'assets/AdminFormControls-F1.js', imports: ['_client-C1.js'] },
  'src/screens/AdminHomeScreen.tsx': {
    file: 'assets/AdminHomeScreen-H1.js',
    imports: ['_client-C1.js', '_AdminFormControls-F1.js'],
    css: ['assets/AdminHomeScreen-H1.css'],
  },
  'src/screens/booking/BookingScreen.tsx': { file: 'assets/BookingScreen-B1.js', imports: ['_client-C1.js'] },
  '../../node_modules/@fontsource/rajdhani/files/rajdhani-latin-700-normal.woff2': {
    file: 'assets/rajdhani-latin-700-normal-R7.woff2',
  },
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function webRoot(manifest: unknown): string {
  const root = mkdtempSync(join(tmpdir(), 'route-hints-'));
  dirs.push(root);
  mkdirSync(join(root, '.vite'));
  writeFileSync(join(root, '.vite', 'manifest.json'), JSON.stringify(manifest));
  return root;
}

const links = (header: string | null) => (header ?? '').split(', ').filter(Boolean);

describe('route hints (issue 12: what a page will fetch, announced with it)', () => {
  const hints = createRouteHints(readViteManifest(webRoot(MANIFEST)));

  it('announces the admin screen’s own chunks and styles, not what the entry already loads, and its first reads', () => {
    expect(links(hints('/admin'))).toEqual([
      '</assets/AdminHomeScreen-H1.css>; rel=preload; as=style',
      '</assets/AdminHomeScreen-H1.js>; rel=modulepreload',
      '</assets/AdminFormControls-F1.js>; rel=modulepreload',
      '</assets/rajdhani-latin-700-normal-R7.woff2>; rel=preload; as=font; type="font/woff2"; crossorigin=anonymous',
      '</api/admin/overview>; rel=preload; as=fetch; crossorigin=anonymous',
      '</api/admin/alarms>; rel=preload; as=fetch; crossorigin=anonymous',
    ]);
  });

  it('announces the booking screen and its calendar, with or without a trailing slash', () => {
    const header = hints('/reserver/');
    expect(links(header)).toContain('</assets/BookingScreen-B1.js>; rel=modulepreload');
    expect(links(header)).toContain('</api/bookings/calendar>; rel=preload; as=fetch; crossorigin=anonymous');
    expect(header).not.toContain('client-C1');
  });

  it('announces nothing for the landing page or a page that needs nothing ahead', () => {
    expect(hints('/')).toBeNull();
    expect(hints('/historique')).toBeNull();
  });

  it('announces only the data when the build has no manifest (or an unreadable one)', () => {
    const bare = createRouteHints(readViteManifest(webRoot({ nonsense: 42 })));
    expect(links(bare('/admin'))).toEqual([
      '</api/admin/overview>; rel=preload; as=fetch; crossorigin=anonymous',
      '</api/admin/alarms>; rel=preload; as=fetch; crossorigin=anonymous',
    ]);
    expect(links(bare('/connexion'))).toEqual(['</api/public-config>; rel=preload; as=fetch; crossorigin=anonymous']);
  });
});
