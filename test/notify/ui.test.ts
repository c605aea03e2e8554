import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';
import { ensureBuilt, openBrowser, type Browser } from '../web/browser.js';
import { Receiver } from './harness.js';

/** The build page lists notification attempts; the builds list filters by `skipped`. In Chromium, on bin/roger serve. */
describe('notifications in the web UI', () => {
  let server: ServerProcess;
  let browser: Browser;
  let hook: Receiver;
  let repo: string;
  const name = `ui-notify-${uniq()}`;

  beforeAll(async () => {
    await ensureBuilt();
    hook = await new Receiver().start();
    let calls = 0;
    // The first attempt fails, the second passes: the page shows both.
    hook.answer = () => (++calls === 1 ? 503 : 200);
    const root = await mkdtemp(join(tmpdir(), 'roger-ui-notify-'));
    repo = (await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\nRUN echo ${name}\n`, 'build.yml': `${name}:\n  notify: [webhook]\n` })).dir;
    const { file } = testConfig(`builds:\n  allowedSchemes: [file]\nnotifications:\n  webhook:\n    url: ${hook.url}/roger\n    timeout: 5\n`);
    server = await startServer(file);
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (server) expect(await server.stop()).toBe(0);
    await hook?.close();
  });

  it("shows each attempt on the build's page, failed then sent", async () => {
    const res = await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(`file://${repo}`)}&branch=master`, { method: 'POST' });
    expect(res.status).toBe(202);
    const { page } = browser;
    await page.goto(`${server.url}/builds/${res.body.id}`);
    const sent = page.locator('[data-testid="notifications"] li[data-notifier="webhook"][data-ok="true"]');
    await sent.waitFor({ timeout: 90_000 });
    const items = page.locator('[data-testid="notifications"] li');
    expect(await items.count()).toBe(2);
    expect(await items.nth(0).textContent()).toMatch(/webhook.*attempt 1.*HTTP 503/);
    expect(await items.nth(1).textContent()).toMatch(/webhook.*attempt 2.*POST answered 200/);
    await waitFor(async () => hook.requests.length === 2, 5000, 'two webhook requests');
  });

  it('offers skipped as a status filter', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'skipped', exact: true }).click();
    await page.waitForURL(/status=skipped/);
    expect(await page.getByRole('button', { name: 'skipped', exact: true }).getAttribute('aria-pressed')).toBe('true');
  });
});
