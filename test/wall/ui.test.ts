import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiProjectBuilds } from '../../src/http/api-types.js';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';
import { ensureBuilt, openBrowser, type Browser } from '../web/browser.js';

const TOKEN = 'wall-ui-token-2112';
const bearer = { authorization: `Bearer ${TOKEN}` };

interface Build {
  id: string;
  project: string;
  status: string;
  finished_at: string | null;
}

/** bin/roger with API tokens and two repositories, one that builds and one whose Dockerfile fails. */
describe('the wall, the project page and the stats in Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let root: string;
  let good: string;
  let bad: string;
  const goodName = `wall-ok-${uniq()}`;
  const badName = `wall-ko-${uniq()}`;

  const request = async (repo: string): Promise<string> => {
    const res = await fetch(`${server.url}/api/build`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: `file://${repo}`, branch: 'master' }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };
  const build = async (id: string): Promise<Build> => (await getJson<{ build: Build }>(`${server.url}/api/builds/${id}`, { headers: bearer })).body.build;
  const finished = (id: string): Promise<Build> =>
    waitFor(async () => {
      const b = await build(id);
      return b.finished_at !== null && b;
    }, 90_000, `build ${id} to finish`);

  beforeAll(async () => {
    await ensureBuilt();
    root = await mkdtemp(join(tmpdir(), 'roger-wall-ui-'));
    good = (await makeBareRepo(root, goodName, { Dockerfile: `FROM ${BASE}\nRUN echo ${goodName}\n`, 'build.yml': `${goodName}: {}\n` })).dir;
    bad = (await makeBareRepo(root, badName, { Dockerfile: `FROM ${BASE}\nRUN exit 3\n`, 'build.yml': `${badName}: {}\n` })).dir;
    const { file } = testConfig(`app:\n  auth:\n    tokens: [${TOKEN}]\nbuilds:\n  allowedSchemes: [file]\ngithub:\n  webhookSecret: wall-ui-hook-secret\n`);
    server = await startServer(file);
    browser = await openBrowser();
    await browser.context.addInitScript((token) => window.localStorage.setItem('roger.token', token), TOKEN);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (server) expect(await server.stop()).toBe(0);
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('turns a tile red as soon as its build fails, through the event stream', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/wall`);
    await page.locator('.wall[data-live="true"]').waitFor({ timeout: 15_000 });
    // No navigation on the wall.
    expect(await page.locator('header, nav').count()).toBe(0);
    // The moment the tile turns red, by the page's clock (the same machine's as the server's).
    await page.evaluate((suffix) => {
      const w = window as unknown as { redAt?: number };
      new MutationObserver(() => {
        if (w.redAt === undefined && document.querySelector(`.wall-tile[data-project$="${suffix}"][data-status="failed"]`)) w.redAt = Date.now();
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
    }, `__${badName}`);

    const id = await request(bad);
    const tile = page.locator(`.wall-tile[data-project$="__${badName}"]`);
    // The tile appears with the queued or running build, before the build ends.
    await tile.waitFor({ timeout: 15_000 });
    const b = await finished(id);
    expect(b.status).toBe('failed');
    await page.locator(`.wall-tile[data-project$="__${badName}"][data-status="failed"]`).waitFor({ timeout: 5000 });
    const redAt = await page.evaluate(() => (window as unknown as { redAt?: number }).redAt);
    const lagMs = (redAt ?? Infinity) - Date.parse(b.finished_at ?? '');
    console.log(`the wall turned red ${lagMs} ms after the build finished`);
    expect(lagMs).toBeLessThan(1000);
    expect(await tile.getAttribute('data-build-id')).toBe(id);
    expect(await tile.locator('.wall-status').textContent()).toBe('failed');
    // Big type: the project name is large on a 1280x860 screen with one or two tiles.
    const size = await tile.locator('.wall-name').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThan(40);
    expect(browser.errors).toEqual([]);
  }, 120_000);

  it('falls back to polling when the event stream is cut', async () => {
    const { page } = browser;
    await page.route('**/api/events', (route) => route.abort());
    try {
      await page.goto(`${server.url}/wall`);
      await page.locator(`.wall-tile[data-project$="__${badName}"]`).waitFor({ timeout: 15_000 });
      const id = await request(good);
      await finished(id);
      await page.locator(`.wall-tile[data-project$="__${goodName}"][data-status="passed"]`).waitFor({ timeout: 30_000 });
      expect(await page.locator('.wall').getAttribute('data-live')).toBe('false');
    } finally {
      await page.unroute('**/api/events');
    }
    // The aborted streams are logged as failed fetches; nothing else may be.
    expect(browser.errors.filter((e) => !/api\/events|ERR_FAILED/.test(e))).toEqual([]);
    browser.errors.length = 0;
  }, 120_000);

  it('shows the project badge, one bar per build and the pass rate on the project page', async () => {
    const { page } = browser;
    await finished(await request(good));
    const project = (await getJson<{ projects: { project: string }[] }>(`${server.url}/api/wall`, { headers: bearer })).body.projects.find((p) =>
      p.project.endsWith(`__${goodName}`),
    )?.project;
    expect(project).toBeDefined();
    const history = (await getJson<ApiProjectBuilds>(`${server.url}/api/projects/${encodeURIComponent(project ?? '')}/builds`, { headers: bearer })).body;
    expect(history.builds).toHaveLength(2);

    await page.goto(`${server.url}/projects/${encodeURIComponent(project ?? '')}`);
    const img = page.getByTestId('project-badge');
    await img.waitFor();
    await page.waitForFunction((el) => el instanceof HTMLImageElement && el.complete && el.naturalWidth > 0, await img.elementHandle());
    const chart = page.locator('[data-testid="duration-chart"][data-bars]');
    await chart.waitFor();
    expect(await chart.getAttribute('data-bars')).toBe(String(history.builds.length));
    expect(await page.getByTestId('pass-rate').textContent()).toContain('100%');
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const copy = page.getByRole('button', { name: /Copy badge Markdown/ });
    expect(await copy.textContent()).toBe('Copy badge Markdown');
    await copy.click();
    await copy.filter({ hasText: 'Copied' }).waitFor({ timeout: 5000 });
    const badge = `${server.url}/api/projects/${encodeURIComponent(project ?? '')}/badge.svg?branch=master`;
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`[![build status](${badge})](${server.url}/)`);
    expect(await (await fetch(badge)).text()).toContain('>passing<');

    // Hovering the newest (rightmost) bar names its build and links to it.
    const over = page.locator('.duration-chart .u-over');
    const box = await over.boundingBox();
    if (!box) throw new Error('the chart has no plotting area');
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height - 2);
    const link = page.locator('.chart-hover a');
    await link.waitFor({ timeout: 5000 });
    expect(await link.getAttribute('href')).toBe(`/builds/${history.builds[0]?.id}`);
    expect(browser.errors).toEqual([]);
  }, 120_000);

  it('follows builds on the projects page from the event stream, reloading the list only for a project it does not show', async () => {
    const { page } = browser;
    const lists: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/projects') lists.push(r.url());
    });
    await page.goto(`${server.url}/projects`);
    await page.locator('.page-head[data-live="true"]').waitFor({ timeout: 15_000 });
    const goodRow = page.locator(`tr[data-project$="__${goodName}"]`);
    await goodRow.waitFor();
    const loaded = lists.length;

    // A new build of a listed project: its row follows it to the end, and moves to the top.
    const id = await request(good);
    await goodRow.locator(`a[href="/builds/${id}"]`).waitFor({ timeout: 15_000 });
    await finished(id);
    await goodRow.locator(`a[href="/builds/${id}"] .badge[data-status="passed"]`).waitFor({ timeout: 5000 });
    expect(await page.locator('tbody tr').first().getAttribute('data-project')).toMatch(new RegExp(`__${goodName}$`));
    expect(lists.length).toBe(loaded);

    // A project the list has never shown: only the server can say where it goes.
    const newName = `wall-new-${uniq()}`;
    const repo = (await makeBareRepo(root, newName, { Dockerfile: `FROM ${BASE}\nRUN echo ${newName}\n`, 'build.yml': `${newName}: {}\n` })).dir;
    await finished(await request(repo));
    await page.locator(`tr[data-project$="__${newName}"] .badge[data-status="passed"]`).waitFor({ timeout: 15_000 });
    expect(lists.length).toBeGreaterThan(loaded);
    expect(browser.errors).toEqual([]);
  }, 120_000);

  it('charts the last 24 hours of queue and builders on the builds page', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/builds`);
    const stats = page.locator('[data-testid="stats-chart"] canvas');
    await stats.waitFor();
    const buckets = Number(await page.getByTestId('stats-chart').getAttribute('data-buckets'));
    expect(buckets).toBeGreaterThanOrEqual(96);
    expect(browser.errors).toEqual([]);
  }, 60_000);
});
