import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { startServer, type ServerProcess } from '../helpers/server.js';
import { ensureBuilt, openBrowser, type Browser } from '../web/browser.js';

const TOKEN = 'ui-live-token-8080';
const bearer = { authorization: `Bearer ${TOKEN}` };

/** bin/roger with API tokens, in Chromium with the token saved as the token prompt saves it. */
describe('live updates and badges in the web UI', () => {
  let server: ServerProcess;
  let browser: Browser;
  let repo: string;
  const name = `ui-live-${uniq()}`;

  beforeAll(async () => {
    await ensureBuilt();
    const root = await mkdtemp(join(tmpdir(), 'roger-ui-live-'));
    repo = (await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\nRUN echo ${name}\n`, 'build.yml': `${name}: {}\n` })).dir;
    const { file } = testConfig(`app:\n  auth:\n    tokens: [${TOKEN}]\nbuilds:\n  allowedSchemes: [https, file]\ngithub:\n  webhookSecret: ui-live-hook-secret\n`);
    server = await startServer(file);
    browser = await openBrowser();
    await browser.context.addInitScript((token) => window.localStorage.setItem('roger.token', token), TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    if (server) expect(await server.stop()).toBe(0);
  });

  it('shows a new build on the builds page at once, then its result, without waiting for a poll', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/builds`);
    // Nothing is active, so without the stream the page would poll only every 10 s.
    await page.locator('.page-head[data-live="true"]').waitFor({ timeout: 10_000 });
    const t0 = Date.now();
    const res = await fetch(`${server.url}/api/build`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: `file://${repo}`, branch: 'master' }),
    });
    expect(res.status).toBeLessThan(300);
    const { id } = (await res.json()) as { id: string };
    const row = page.locator(`tr[data-build-id="${id}"]`);
    await row.waitFor({ timeout: 1500 });
    const shownMs = Date.now() - t0;
    console.log(`a new build showed on the builds page ${shownMs} ms after it was requested`);
    await page.locator(`tr[data-build-id="${id}"][data-status="passed"]`).waitFor({ timeout: 90_000 });
    expect(browser.errors).toEqual([]);
  }, 120_000);

  it('renders the project badge image and copies its Markdown', async () => {
    const { page, context } = browser;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.goto(`${server.url}/projects`);
    const img = page.locator(`tr[data-project$="__${name}"] img.project-badge`);
    await img.waitFor();
    await page.waitForFunction((el) => el instanceof HTMLImageElement && el.complete && el.naturalWidth > 40, await img.elementHandle());
    const src = (await img.getAttribute('src')) ?? '';
    // The image is served without the token the page holds: a README's viewer has none.
    const svg = await (await fetch(`${server.url}${src}`)).text();
    expect(svg).toContain('>passing<');
    await page.getByRole('button', { name: `Copy badge Markdown for ${name} (` , exact: false }).click();
    await page.getByRole('button', { name: /Copy badge Markdown/ }).filter({ hasText: 'Copied' }).waitFor({ timeout: 5000 });
    const markdown = await page.evaluate(() => navigator.clipboard.readText());
    expect(markdown).toBe(`[![build status](${server.url}${src})](${server.url}/)`);
    expect(browser.errors).toEqual([]);
  }, 60_000);
});
