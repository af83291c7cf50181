import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Context } from 'hono';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.webmanifest', '.svg', '.txt', '.wasm']);

/**
 * Serves the built web app. Files under /assets/ carry a content hash in their name and are
 * cached for a year; everything else is revalidated, and unknown paths get index.html so the
 * client-side router can take them.
 */
export function createStaticHandler(root: string, linkHeader: (path: string) => string | null = () => null) {
  const rootWithSep = root.endsWith(sep) ? root : root + sep;

  async function fileAt(path: string): Promise<{ body: Buffer; path: string } | null> {
    const candidate = normalize(join(root, decodeURIComponent(path)));
    if (!candidate.startsWith(rootWithSep)) return null;
    try {
      const info = await stat(candidate);
      if (!info.isFile()) return null;
      return { body: await readFile(candidate), path: candidate };
    } catch {
      return null;
    }
  }

  // Text files are sent gzipped to browsers that accept it (issue 12: the first page's weight);
  // each file is compressed once per version.
  const gzipped = new Map<string, { size: number; body: Buffer }>();
  function gzipOf(path: string, body: Buffer): Buffer {
    const cached = gzipped.get(path);
    if (cached && cached.size === body.length) return cached.body;
    const compressed = gzipSync(body, { level: 9 });
    gzipped.set(path, { size: body.length, body: compressed });
    return compressed;
  }

  return async (c: Context): Promise<Response> => {
    let requested: string;
    try {
      requested = new URL(c.req.url).pathname;
      decodeURIComponent(requested);
    } catch {
      return c.json({ error: { code: 'bad_path', message: 'Malformed path.' } }, 400);
    }
    const file = (requested !== '/' && (await fileAt(requested))) || (await fileAt('/index.html'));
    if (!file) {
      return c.text('The web app is not built. Run `npm run build:web` (npm start does it for you).', 503);
    }
    const page = file.path === join(root, 'index.html');
    const immutable = requested.startsWith('/assets/') && !page;
    // A page of the app: what its screen will fetch first, announced with it (routeHints.ts).
    const links = page ? linkHeader(requested) : null;
    const type = CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream';
    const compressible = COMPRESSIBLE.has(extname(file.path)) && file.body.length > 1024;
    const gzip = compressible && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    return new Response(new Uint8Array(gzip ? gzipOf(file.path, file.body) : file.body), {
      headers: {
        'content-type': type,
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
        ...(compressible ? { vary: 'Accept-Encoding' } : {}),
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        ...(links ? { link: links } : {}),
      },
    });
  };
}
