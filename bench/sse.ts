/**
 * Live updates (issue 11, item 7): the time from a build finishing to an open builds page showing it,
 * with 100 pages open. A real `bin/roger serve` runs builds through the stand-in engine
 * (docker.fake), one after another. Open pages: BROWSER of them are the real builds page in
 * Chromium (the time is taken in the page, when its row turns to the result); the others do what such
 * a page does to the server, without a renderer each on this machine (time taken as the event arrives).
 * Times start at the build's `finished_at` (same clock). Target: p99 under 200 ms.
 *
 * Usage: npx tsx bench/sse.ts [builds=30] [pages=100] [browserPages=2]     (compiles dist/ first)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBrowser } from '../test/web/browser.js';
import { makeBareRepo } from '../test/helpers/fixture-repo.js';
import { startServer } from '../test/helpers/server.js';
import { openSse, type SseClient } from '../test/events/sse.js';
import { percentile } from './lib.js';

const BUILDS = Number(process.argv[2] ?? 30);
const PAGES = Number(process.argv[3] ?? 100);
const BROWSER = Math.min(PAGES, Number(process.argv[4] ?? 2));
const FINISHED = new Set(['passed', 'failed', 'canceled', 'skipped']);

const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: join(import.meta.dirname, '..'), stdio: 'inherit' });
if (built.status !== 0) throw new Error('npm run build failed');

interface ApiBuild {
  id: string;
  status: string;
  finished_at: string | null;
}

/**
 * What a builds page does to the server: loads the list when its stream opens, then applies each
 * event's build in place (web/src/pages/BuildsPage.tsx), so a result shows when its event arrives.
 */
class SimulatedPage {
  /** When the page first showed each build finished (epoch ms). */
  readonly shown = new Map<string, number>();
  private closed = false;
  private constructor(readonly stream: SseClient) {}

  static async open(base: string): Promise<SimulatedPage> {
    const page = new SimulatedPage(await openSse(`${base}/api/events`));
    if (page.stream.status !== 200) throw new Error(`event stream refused: ${page.stream.status}`);
    await (await fetch(`${base}/api/builds?limit=50`)).arrayBuffer();
    let seen = 0;
    void (async () => {
      while (!page.closed) {
        await page.stream.until((events) => events.length > seen, 1000).catch(() => undefined);
        const at = Date.now();
        for (const e of page.stream.events.slice(seen)) {
          const { build } = JSON.parse(e.data) as { build: ApiBuild };
          if (FINISHED.has(build.status) && !page.shown.has(build.id)) page.shown.set(build.id, at);
        }
        seen = page.stream.events.length;
      }
    })();
    return page;
  }

  close(): void {
    this.closed = true;
    this.stream.close();
  }
}

const work = mkdtempSync(join(tmpdir(), 'roger-bench-sse-'));
const name = 'bench-sse';
const { dir } = await makeBareRepo(work, name, { Dockerfile: 'FROM 127.0.0.1:5000/busybox:latest\n', 'build.yml': `${name}: {}\n` });
const configFile = join(work, 'config.yml');
writeFileSync(
  configFile,
  `paths:\n  builds: ${join(work, 'builds')}\nbuilds:\n  concurrent: 1\n  allowedSchemes: [file]\ndocker:\n  fake:\n    delayMs: 20\n`,
);
const server = await startServer(configFile);
const browser = await openBrowser();
const simulated: SimulatedPage[] = [];
try {
  const pages = [browser.page, ...(await Promise.all(Array.from({ length: BROWSER - 1 }, () => browser.context.newPage())))];
  await browser.context.addInitScript(() => {
    // When each build's row first shows a result, by the page's own clock (the machine's).
    const shown: Record<string, number> = {};
    (window as unknown as { shown: Record<string, number> }).shown = shown;
    new MutationObserver(() => {
      for (const row of document.querySelectorAll('tr[data-build-id][data-status]')) {
        const id = row.getAttribute('data-build-id') ?? '';
        if (!(id in shown) && ['passed', 'failed', 'canceled', 'skipped'].includes(row.getAttribute('data-status') ?? '')) shown[id] = Date.now();
      }
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  });
  for (const page of pages) {
    await page.goto(`${server.url}/builds`);
    await page.locator('.page-head[data-live="true"]').waitFor({ timeout: 30_000 });
  }
  for (let i = 0; i < PAGES - BROWSER; i++) simulated.push(await SimulatedPage.open(server.url));

  const browserMs: number[] = [];
  const simulatedMs: number[] = [];
  for (let n = 0; n < BUILDS; n++) {
    const res = await fetch(`${server.url}/api/build`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repo: `file://${dir}`, branch: 'master' }),
    });
    const { id } = (await res.json()) as { id: string };
    const deadline = Date.now() + 120_000;
    let finishedAt: number | undefined;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`build ${id} was not shown finished everywhere within 120 s`);
      const { build } = (await (await fetch(`${server.url}/api/builds/${id}`)).json()) as { build: ApiBuild };
      if (build.finished_at) finishedAt = Date.parse(build.finished_at);
      const inBrowsers = await Promise.all(pages.map((p) => p.evaluate((bid) => (window as unknown as { shown: Record<string, number> }).shown[bid], id)));
      if (finishedAt !== undefined && inBrowsers.every((t) => t !== undefined) && simulated.every((s) => s.shown.has(id))) {
        for (const t of inBrowsers) browserMs.push((t ?? 0) - finishedAt);
        for (const s of simulated) simulatedMs.push((s.shown.get(id) ?? 0) - finishedAt);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const line = (what: string, xs: number[]) =>
    `${what}: ${xs.length} samples, p50 ${percentile(xs, 50).toFixed(0)} ms  p90 ${percentile(xs, 90).toFixed(0)} ms  p99 ${percentile(xs, 99).toFixed(0)} ms  max ${Math.max(...xs).toFixed(0)} ms`;
  console.log(`${BUILDS} builds, ${PAGES} open builds pages (${BROWSER} in Chromium, ${PAGES - BROWSER} simulated)`);
  console.log(`  ${line('finished -> shown, Chromium pages', browserMs)}`);
  console.log(`  ${line('finished -> shown, simulated pages', simulatedMs)}`);
  const p99 = percentile([...browserMs, ...simulatedMs], 99);
  console.log(`  ${p99 < 200 ? 'met ' : 'MISS'} target: p99 under 200 ms (all pages: ${p99.toFixed(0)} ms)`);
  if (browser.errors.length > 0) console.log(`  page errors: ${browser.errors.join('; ')}`);
} finally {
  for (const s of simulated) s.close();
  await browser.close();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
