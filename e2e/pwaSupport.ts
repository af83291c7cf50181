import { writeFileSync } from 'node:fs';
import axe from 'axe-core';
import type { BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import type { AuditedPage } from './auditedPages';

/** Helpers of the PWA suite: identities, axe, and a fake camera that films a locker's QR code. */

export interface Identity {
  email: string;
  password: string;
}

export async function signUp(context: BrowserContext, baseUrl: string, name: string): Promise<Identity> {
  const identity = {
    email: `${name.toLowerCase()}-${Date.now()}-${Math.random().toString(16).slice(2, 6)}@example.org`,
    password: 'correct horse battery',
  };
  const response = await context.request.post(`${baseUrl}/api/auth/sign-up/email`, {
    data: { ...identity, name },
    headers: { origin: baseUrl },
  });
  if (!response.ok()) throw new Error(`sign-up failed: ${response.status()} ${await response.text()}`);
  return identity;
}

export async function signIn(context: BrowserContext, baseUrl: string, identity: Identity | null): Promise<void> {
  await context.request.post(`${baseUrl}/api/auth/sign-out`, { data: {}, headers: { origin: baseUrl } });
  if (!identity) return;
  const response = await context.request.post(`${baseUrl}/api/auth/sign-in/email`, {
    data: identity,
    headers: { origin: baseUrl },
  });
  if (!response.ok()) throw new Error(`sign-in failed: ${response.status()}`);
}

export async function pairLocker(context: BrowserContext, baseUrl: string, code: string): Promise<void> {
  const response = await context.request.post(`${baseUrl}/api/pairing`, {
    data: { code },
    headers: { origin: baseUrl },
  });
  if (!response.ok()) throw new Error(`pairing failed: ${response.status()} ${await response.text()}`);
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** axe-core on the page as it is (WCAG 2.0–2.2 A and AA rules); only serious and critical ones. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated, not injected as a <script>: the app's CSP forbids inline scripts, as it should.
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const scope = globalThis as unknown as { axe: typeof axe; document: unknown };
    const result = await scope.axe.run(scope.document as Parameters<typeof axe.run>[0], {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function identityFor(page: AuditedPage, ids: Record<AuditedPage['as'], Identity | null>): Identity | null {
  return ids[page.as];
}

/**
 * A Y4M video (the format Chromium's `--use-file-for-fake-video-capture` reads) of a QR code
 * carrying `text`, black on white, centred in 640×480 frames: what a phone sees of a locker.
 */
export async function writeQrVideo(path: string, text: string): Promise<void> {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const width = 640;
  const height = 480;
  const scale = Math.floor((height * 0.8) / (size + 8));
  const side = (size + 8) * scale;
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) {
      if (!qr.modules.get(row, col)) continue;
      for (let y = 0; y < scale; y += 1) {
        const offset = (top + (row + 4) * scale + y) * width + left + (col + 4) * scale;
        luma.fill(16, offset, offset + scale);
      }
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: 10 }, () => frame)]));
}
