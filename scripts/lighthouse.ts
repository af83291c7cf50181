/**
 * `npm run lighthouse` (issue 12): Lighthouse's mobile preset (simulated slow 4G, CPU ×4) on the
 * pages of e2e/auditedPages.ts marked `lighthouse`, against Debian's Chromium, on a whole
 * SmartLocker started here on an ephemeral port with the embedded database and broker. Writes
 * every report to reports/lighthouse/ and the figures to reports/lighthouse/summary.json.
 * Not part of CI (about 2 minutes on this machine); the budgets are checked at the end.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { type Result as LhResult } from 'lighthouse';
import { AUDITED_PAGES, type AuditedPage } from '../e2e/auditedPages';
import { findChromium } from '../e2e/browser';
import buildWeb from '../e2e/buildWeb';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../test-support/backends';
import { startTestSystem } from '../test-support/system';

const OUT = join(process.cwd(), 'reports', 'lighthouse');
const BUDGETS = { performance: 95, accessibility: 100, bestPractices: 95, lcpMs: 1800, cls: 0.02, firstPageJsKb: 60 };

interface PageFigures {
  page: string;
  url: string;
  performance: number;
  accessibility: number;
  bestPractices: number;
  lcpMs: number;
  cls: number;
  tbtMs: number;
  /** JavaScript transferred by the page's load, gzipped as served, in bytes. */
  jsBytesGzipped: number;
  /** The LCP of each run, in ms (the figures above are medians of the runs). */
  runs?: number[];
}

/** Runs per page: `npm run lighthouse -- --runs 5`; 3 by default. */
const RUNS = Math.max(1, Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3);

function figuresOf(page: AuditedPage, lhr: LhResult): PageFigures {
  const items =
    (lhr.audits['network-requests']?.details as { items?: Array<Record<string, unknown>> } | undefined)?.items ?? [];
  const jsBytes = items
    // The page's own scripts, as transferred (gzipped); not the service worker's precache.
    .filter((item) => item.resourceType === 'Script' && (item.sessionTargetType ?? 'page') === 'page')
    .reduce((sum, item) => sum + Number(item.transferSize ?? 0), 0);
  const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  return {
    page: page.name,
    url: page.path,
    performance: score('performance'),
    accessibility: score('accessibility'),
    bestPractices: score('best-practices'),
    lcpMs: Math.round(lhr.audits['largest-contentful-paint']?.numericValue ?? 0),
    cls: Number((lhr.audits['cumulative-layout-shift']?.numericValue ?? 0).toFixed(3)),
    tbtMs: Math.round(lhr.audits['total-blocking-time']?.numericValue ?? 0),
    jsBytesGzipped: jsBytes,
  };
}

async function cookieFor(baseUrl: string, body: Record<string, string>, path: string): Promise<string> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { origin: baseUrl, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

async function main(): Promise<void> {
  const chromePath = findChromium();
  if (!chromePath) throw new Error('no Chromium: install it or set CHROMIUM_PATH');
  mkdirSync(OUT, { recursive: true });
  await buildWeb();
  const system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER);
  const chrome = await chromeLauncher.launch({
    chromePath,
    chromeFlags: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const member = {
      email: `lighthouse-${Date.now()}@example.org`,
      password: 'correct horse battery',
      name: 'Lighthouse',
    };
    const memberCookie = await cookieFor(system.url, member, '/api/auth/sign-up/email');
    await fetch(`${system.url}/api/pairing`, {
      method: 'POST',
      headers: { origin: system.url, 'content-type': 'application/json', cookie: memberCookie },
      body: JSON.stringify({ code: system.codes.school }),
    });
    const admin = system.demoAccounts.find((a) => a.role === 'admin');
    if (!admin) throw new Error('no demo administrator');
    const adminCookie = await cookieFor(
      system.url,
      { email: admin.email, password: admin.password },
      '/api/auth/sign-in/email',
    );
    const cookies: Record<AuditedPage['as'], string | null> = {
      visitor: null,
      member: memberCookie,
      'school-member': memberCookie,
      admin: adminCookie,
    };

    const figures: PageFigures[] = [];
    // `npm run lighthouse -- --page dashboard --page booking` measures only those pages.
    const only = process.argv.flatMap((arg, i) => (process.argv[i - 1] === '--page' ? [arg] : []));
    for (const page of AUDITED_PAGES.filter((p) => p.lighthouse && (only.length === 0 || only.includes(p.name)))) {
      const url = `${system.url}${page.path}`;
      const cookie = cookies[page.as];
      const measure = () =>
        lighthouse(
          url,
          {
            port: chrome.port,
            output: ['html', 'json'],
            logLevel: 'error',
            onlyCategories: ['performance', 'accessibility', 'best-practices'],
            ...(cookie ? { extraHeaders: { Cookie: cookie } } : {}),
          },
          undefined,
        );
      const runs: { figures: PageFigures; html: string; json: string }[] = [];
      for (let run = 0; run < RUNS; run++) {
        let result = await measure();
        // A trace Chromium failed to record (NO_NAVSTART, NO_FCP…) says nothing of the page:
        // Lighthouse's own advice is to run again, which is done twice at most.
        for (let retry = 0; retry < 2 && result?.lhr.runtimeError; retry++) {
          console.warn(`${page.name}: ${result.lhr.runtimeError.code}, measuring again`);
          result = await measure();
        }
        if (!result) throw new Error(`lighthouse gave no result for ${page.name}`);
        if (result.lhr.runtimeError) {
          throw new Error(`${page.name}: ${result.lhr.runtimeError.code} ${result.lhr.runtimeError.message}`);
        }
        const [html, json] = result.report as string[];
        runs.push({ figures: figuresOf(page, result.lhr), html: String(html), json: String(json) });
      }
      // Lighthouse's advice for a figure that varies from run to run (its simulation scales
      // the CPU time observed, and this 2-core machine also runs the server): the median of
      // several runs. Each figure is the median of its own; the report kept is the median LCP's.
      const median = (pick: (f: PageFigures) => number) => {
        const sorted = runs.map((r) => pick(r.figures)).sort((a, b) => a - b);
        return sorted[Math.floor(sorted.length / 2)] ?? 0;
      };
      const figure: PageFigures = {
        page: page.name,
        url: page.path,
        performance: median((f) => f.performance),
        accessibility: median((f) => f.accessibility),
        bestPractices: median((f) => f.bestPractices),
        lcpMs: median((f) => f.lcpMs),
        cls: median((f) => f.cls),
        tbtMs: median((f) => f.tbtMs),
        jsBytesGzipped: median((f) => f.jsBytesGzipped),
        runs: runs.map((r) => r.figures.lcpMs),
      };
      const kept = runs.find((r) => r.figures.lcpMs === figure.lcpMs) ?? runs[0];
      if (kept) {
        writeFileSync(join(OUT, `${page.name}.html`), kept.html);
        writeFileSync(join(OUT, `${page.name}.json`), kept.json);
      }
      figures.push(figure);
      console.log(JSON.stringify(figure));
    }
    const misses = figures.flatMap((f) => [
      ...(f.performance < BUDGETS.performance ? [`${f.page}: performance ${f.performance}`] : []),
      ...(f.accessibility < BUDGETS.accessibility ? [`${f.page}: accessibility ${f.accessibility}`] : []),
      ...(f.bestPractices < BUDGETS.bestPractices ? [`${f.page}: best practices ${f.bestPractices}`] : []),
      ...(f.lcpMs > BUDGETS.lcpMs ? [`${f.page}: LCP ${f.lcpMs} ms`] : []),
      ...(f.cls > BUDGETS.cls ? [`${f.page}: CLS ${f.cls}`] : []),
    ]);
    const firstPage = figures[0];
    if (firstPage && firstPage.jsBytesGzipped > BUDGETS.firstPageJsKb * 1024) {
      misses.push(`first page JS ${(firstPage.jsBytesGzipped / 1024).toFixed(1)} KB`);
    }
    writeFileSync(
      join(OUT, 'summary.json'),
      `${JSON.stringify({ measuredAt: new Date().toISOString(), preset: 'mobile', runsPerPage: RUNS, budgets: BUDGETS, pages: figures, misses }, null, 2)}\n`,
    );
    console.log(
      misses.length === 0 ? 'lighthouse: every budget met' : `lighthouse: budgets missed:\n${misses.join('\n')}`,
    );
    process.exitCode = misses.length === 0 ? 0 : 1;
  } finally {
    await chrome.kill();
    await system.dispose();
  }
}

await main();
