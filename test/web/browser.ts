import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ROOT = join(import.meta.dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, quiet: no sandbox (root in CI), no GPU, nothing fetched in the background. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Everything the pages logged as errors (console errors, uncaught exceptions). */
  errors: string[];
  close(): Promise<void>;
}

/** A fresh Chromium profile (its own --user-data-dir, given the way Playwright accepts it) and one page. */
export async function openBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/test.sh, or apt-get install -y chromium`);
  const profile = await mkdtemp(join(tmpdir(), 'roger-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 860 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(30_000);
  const errors: string[] = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 401/.test(msg.text())) errors.push(`console: ${msg.text()}`);
  });
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The server must be compiled with the web routes and the UI built; build once when either is missing. */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(join(ROOT, 'dist', 'web', 'index.html')) && existsSync(join(ROOT, 'dist', 'http', 'routes', 'web.js'))) return;
  await promisify(execFile)('npm', ['run', '--silent', 'build'], { cwd: ROOT });
}
