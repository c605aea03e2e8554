import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';
import { ensureBuilt, openBrowser, type Browser } from './browser.js';

const SHOTS = tmpdir();

/** A log line whose text (without its timestamp) is exactly `text`. */
const logLine = (page: Page, text: string) => page.locator('[data-testid="log"] .log-text', { hasText: new RegExp(`^${text}$`) });
const statusIs = (page: Page, status: string) => page.locator('[data-testid="build-status"]', { hasText: new RegExp(`^${status}$`) });

/** Through the UI as a person would: the New build button, the form, then the build's page. */
async function startBuildFromForm(page: Page, base: string, repo: string, opts: { nocache?: boolean } = {}): Promise<string> {
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: 'New build' }).click();
  await page.getByRole('heading', { name: 'New build' }).waitFor();
  await page.getByLabel('Repository').fill(`file://${repo}`);
  await page.getByLabel(/Branch or tag/).fill('master');
  // Without it, a layer cached by an earlier run would print nothing.
  if (opts.nocache) await page.getByLabel('No cache').check();
  await page.getByRole('button', { name: 'Start build' }).click();
  await page.waitForURL(/\/builds\/[A-Za-z0-9_-]+$/);
  return new URL(page.url()).pathname.split('/').pop()!;
}

describe('the web UI in Chromium, on a real server, engine and registry', () => {
  let server: ServerProcess;
  let browser: Browser;
  let live: string;
  let slow: string;
  let pair: string;
  let liveId = '';
  const name = `web-${uniq()}`;

  beforeAll(async () => {
    await ensureBuilt();
    const root = await mkdtemp(join(tmpdir(), 'roger-web-'));
    const author = { author: 'Grace Hopper <grace@example.com>' };
    live = (await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\nRUN seq 1 150 && echo first && sleep 4 && echo second\n`, 'build.yml': `${name}: {}\n` }, author)).dir;
    slow = (await makeBareRepo(root, `${name}-slow`, { Dockerfile: `FROM ${BASE}\nRUN echo waiting-for-cancel && sleep 120\n`, 'build.yml': `${name}-slow: {}\n` })).dir;
    pair = (await makeBareRepo(root, `${name}-pair`, { Dockerfile: `FROM ${BASE}\nRUN echo pair\n`, 'build.yml': `${name}-api: {}\n${name}-worker: {}\n` })).dir;
    const { file } = testConfig('builds:\n  concurrent: 3\n  allowedSchemes: [https, file]\n');
    server = await startServer(file);
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (server) expect(await server.stop()).toBe(0);
  });

  it('starts a build from the form and streams its log live until it passes', async () => {
    const { page } = browser;
    liveId = await startBuildFromForm(page, server.url, live, { nocache: true });
    await page.getByRole('heading', { name: new RegExp(`^${name} \\(`) }).waitFor();

    // "first" shows while the build still runs, before "second" was even printed.
    await logLine(page, 'first').waitFor({ timeout: 90_000 });
    await statusIs(page, 'started').waitFor({ timeout: 3000 });
    expect(await logLine(page, 'second').count()).toBe(0);
    expect(await page.locator('.badge-large').getAttribute('data-status')).toBe('started');
    // The log follows its end while it grows; scrolling up stops that until "Follow" is pressed.
    const log = page.getByTestId('log');
    const atEnd = () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 45);
    expect(await log.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    expect(await atEnd()).toBe(true);
    await log.evaluate((el) => (el.scrollTop = 0));
    const follow = page.getByRole('button', { name: 'Follow ↓' });
    await follow.waitFor();
    await page.screenshot({ path: join(SHOTS, 'roger-web-build-running.png') });

    await logLine(page, 'second').waitFor({ timeout: 30_000 });
    expect(await log.evaluate((el) => el.scrollTop)).toBe(0);
    await follow.click();
    await waitFor(atEnd, 5000, 'the log to scroll to its end');
    await statusIs(page, 'passed').waitFor({ timeout: 30_000 });
    await page.locator('.badge-large[data-status="passed"]').waitFor();
    await page.getByText('Complete', { exact: true }).waitFor();
    // Line numbers, the image and the commit's author are shown; the log is text, never markup.
    expect(await logLine(page, 'first').locator('xpath=..').getAttribute('data-line')).toMatch(/^\d+$/);
    await page.getByText(`127.0.0.1:5000/${name}:latest`, { exact: true }).waitFor();
    await page.getByText('Grace Hopper <grace@example.com>', { exact: true }).waitFor();
    await page.getByText('nocache', { exact: true }).waitFor();
    expect(await page.locator('[data-testid="log"] script, [data-testid="log"] img').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'roger-web-build.png'), fullPage: true });

    const api = await getJson<{ build: { status: string } }>(`${server.url}/api/builds/${liveId}`);
    expect(api.body.build.status).toBe('passed');
  });

  it('lists the build with its passed badge, and filters by status', async () => {
    const { page } = browser;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Builds' }).click();
    await page.getByRole('heading', { name: 'Builds', level: 1 }).waitFor();
    const row = page.locator(`tr[data-build-id="${liveId}"]`);
    await row.locator('.badge[data-status="passed"]').waitFor();
    expect(await row.textContent()).toContain(`${name} (`);
    expect(await row.locator('.chip').textContent()).toBe('master');
    await page.screenshot({ path: join(SHOTS, 'roger-web-list.png') });

    await page.getByRole('button', { name: 'failed', exact: true }).click();
    await page.waitForURL(/\?status=failed$/);
    await row.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'passed', exact: true }).click();
    await row.waitFor();
    expect(await page.getByRole('button', { name: 'passed', exact: true }).getAttribute('aria-pressed')).toBe('true');

    // The row links to the build page (client-side: no reload).
    await row.getByRole('link').first().click();
    await page.waitForURL(new RegExp(`/builds/${liveId}$`));
    await statusIs(page, 'passed').waitFor();
  });

  it('lists the project with its latest build on the projects page', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    const row = page.locator(`tr[data-project="file://${live}__${name}"]`);
    await row.locator('.badge[data-status="passed"]').waitFor();
    expect(await row.textContent()).toContain(`${name} (`);
    // A reload on a UI path is answered by the server with the app itself.
    await page.reload();
    await row.waitFor();
    await page.screenshot({ path: join(SHOTS, 'roger-web-projects.png') });
  });

  it('cancels a running build from its page', async () => {
    const { page } = browser;
    const id = await startBuildFromForm(page, server.url, slow, { nocache: true });
    await logLine(page, 'waiting-for-cancel').waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Cancel build' }).click();
    await statusIs(page, 'canceled').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel build' }).waitFor({ state: 'detached' });
    await page.getByText('Complete', { exact: true }).waitFor({ timeout: 30_000 });
    const api = await getJson<{ build: { status: string } }>(`${server.url}/api/builds/${id}`);
    expect(api.body.build.status).toBe('canceled');
  });

  it('links the sibling builds of one request', async () => {
    const { page } = browser;
    const id = await startBuildFromForm(page, server.url, pair);
    const siblings = page.getByRole('region', { name: /Same request/ });
    await siblings.waitFor({ timeout: 90_000 });
    await siblings.getByRole('link', { name: `${name}-worker` }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/builds/') && !url.pathname.endsWith(id));
    await page.getByRole('heading', { name: new RegExp(`^${name}-worker \\(`) }).waitFor();
    await statusIs(page, 'passed').waitFor({ timeout: 90_000 });
    await page.getByRole('region', { name: /Same request/ }).getByRole('link', { name: `${name}-api` }).waitFor();
    const group = await getJson<{ builds: { id: string; group_id: string }[] }>(`${server.url}/api/builds?group=${id}`);
    expect(group.body.builds.map((b) => b.group_id)).toEqual([id, id]);
  });

  it('keeps the page free of script errors', () => {
    expect(browser.errors).toEqual([]);
  });
});

describe('the web UI on a server that requires an API token', () => {
  let server: ServerProcess;
  let browser: Browser;
  const token = `ui-token-${uniq()}`;

  beforeAll(async () => {
    await ensureBuilt();
    const { file } = testConfig(`app:\n  auth:\n    tokens: [${token}]\ngithub:\n  webhookSecret: ui-hook-secret\n`);
    server = await startServer(file);
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (server) expect(await server.stop()).toBe(0);
  });

  it('asks for the token, refuses a wrong one, keeps a right one in localStorage', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/`);
    const prompt = page.getByRole('heading', { name: 'This Roger needs an API token' });
    await prompt.waitFor();
    await page.screenshot({ path: join(SHOTS, 'roger-web-token.png') });

    await page.getByLabel('API token', { exact: true }).fill('not-the-token');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('That token was refused', { exact: false }).waitFor();

    await page.getByLabel('API token', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Builds', level: 1 }).waitFor();
    await page.getByText('No builds yet').waitFor();
    expect(await page.evaluate(() => window.localStorage.getItem('roger.token'))).toBe(token);

    // Remembered across loads, and sent with every request.
    await page.goto(`${server.url}/projects`);
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.getByText('No projects yet').waitFor();
    expect(await prompt.count()).toBe(0);

    // Signing out forgets it; the API refuses again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await prompt.waitFor();
    expect(await page.evaluate(() => window.localStorage.getItem('roger.token'))).toBeNull();
  });

  it('asks again when the saved token stops being valid', async () => {
    const { page } = browser;
    await page.evaluate(() => window.localStorage.setItem('roger.token', 'revoked-token'));
    await page.goto(`${server.url}/`);
    await page.getByText('The saved token was refused', { exact: false }).waitFor();
  });

  it('serves the UI itself without a token, and keeps the API closed', async () => {
    const page = await fetch(`${server.url}/builds/anything`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<div id="root">');
    expect((await fetch(`${server.url}/api/builds`)).status).toBe(401);
    await waitFor(async () => (await fetch(`${server.url}/healthz`)).ok, 10_000, 'healthz');
  });
});
