import { chmodSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../observability/logger';

/**
 * Online backups of the embedded database (issue 14, docs/deploy.md "Backups").
 *
 * PGlite is one process's database: while the server runs it holds `DATA_DIR/pglite.lock`, and
 * nobody else may open the files. So the running server makes the backup itself and hands it
 * over a Unix socket in DATA_DIR (`backup.sock`, mode 0600). No HTTP route, no token: whoever can
 * open that socket can already read every file of the database beside it, so it grants nothing
 * new, and it is not reachable from the network.
 *
 * Consistency: `dumpDataDir` tars the data directory under PGlite's query lock, and PGlite runs
 * on one thread, so nothing writes while the files are read: the archive is a point-in-time
 * image, like a file-system snapshot. A transaction open at that moment is rolled back when the
 * copy is opened (PostgreSQL's crash recovery), as after a power cut; everything committed
 * before is in it. A CHECKPOINT first keeps the WAL to replay short.
 */
export const BACKUP_SOCKET_NAME = 'backup.sock';

export function backupSocketPath(dataDir: string): string {
  return join(dataDir, BACKUP_SOCKET_NAME);
}

/** A gzip'd tarball of the data directory, as `PGlite.create({ loadDataDir })` takes it back. */
export async function dumpPglite(client: PGlite): Promise<Blob> {
  await client.exec('CHECKPOINT');
  return client.dumpDataDir('gzip');
}

export interface BackupSocket {
  path: string;
  close(): Promise<void>;
}

/**
 * Serves `POST /backup` on DATA_DIR/backup.sock for as long as the server runs. The socket file
 * is only ever ours: the caller holds the database lock, so a file left there was left by a
 * process that died.
 */
export async function startBackupSocket(options: {
  dataDir: string;
  dump: () => Promise<Blob>;
  logger: Logger;
}): Promise<BackupSocket> {
  const path = backupSocketPath(options.dataDir);
  rmSync(path, { force: true });
  let running: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/backup') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('POST /backup\n');
      return;
    }
    // One backup at a time: each holds a copy of the database in memory.
    const started = Date.now();
    const done = running.then(async () => {
      try {
        const tarball = Buffer.from(await (await options.dump()).arrayBuffer());
        res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(tarball.length) });
        res.end(tarball);
        options.logger.info({ bytes: tarball.length, ms: Date.now() - started }, 'database backup made');
      } catch (error) {
        options.logger.error({ err: error }, 'database backup failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`backup failed: ${(error as Error).message}\n`);
      }
    });
    running = done;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Only the server's own user may connect (the data files beside it are protected the same way).
  chmodSync(path, 0o600);
  return {
    path,
    close: async () => {
      await running.catch(() => {});
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(path, { force: true });
    },
  };
}

/**
 * Asks the server running on `dataDir` for a backup. Null when no server answers on the socket
 * (none runs, or one that predates it); the archive otherwise.
 */
export function requestOnlineBackup(dataDir: string): Promise<Readable | null> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: backupSocketPath(dataDir), method: 'POST', path: '/backup' }, (res) => {
      if (res.statusCode === 200) {
        resolve(res);
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        reject(new Error(`the server could not make the backup (${res.statusCode}): ${text.trim()}`)),
      );
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') resolve(null);
      else reject(error);
    });
    req.end();
  });
}

/** The blob of an archive file or stream, as PGlite's loadDataDir takes it. */
export async function readArchive(source: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** gzip's magic number (RFC 1952 §2.3.1): a truncated or foreign file is refused before use. */
export function looksLikeGzip(archive: Buffer): boolean {
  return archive.length > 18 && archive[0] === 0x1f && archive[1] === 0x8b;
}
