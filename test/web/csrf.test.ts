import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { getJson, startServer, type ServerProcess } from '../helpers/server.js';
import { CHROMIUM, ensureBuilt } from './browser.js';

const REPO = 'https://git.example.test/octo/csrf.git';

interface ApiBuild {
  id: string;
  status: string;
}

/**
 * A page of another site that tries every way a browser can be made to change state on Roger
 * without the visitor's knowledge: forms (urlencoded and text/plain JSON), no-cors fetches, and GETs
 * by <img> and <script> with the Referer suppressed.
 */
function attackPage(roger: string, queued: string): string {
  const build = `${roger}/api/build?repo=${encodeURIComponent(REPO)}`;
  return `<!doctype html><html><body>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe><iframe name="sink3"></iframe>
<form id="plain" method="post" action="${roger}/api/build" target="sink1" enctype="text/plain"><input name='{"repo":"${REPO}","x":"' value='"}'></form>
<form id="urlencoded" method="post" action="${build}" target="sink2"><input name="repo" value="${REPO}"></form>
<form id="cancel" method="post" action="${roger}/api/builds/${queued}/cancel" target="sink3"></form>
<img src="${build}&via=img" referrerpolicy="no-referrer">
<script src="${build}&via=script" referrerpolicy="no-referrer"></script>
<script>
  const opts = (body) => ({ method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body });
  fetch(${JSON.stringify(`${roger}/api/build`)}, opts(JSON.stringify({ repo: ${JSON.stringify(REPO)} }))).catch(() => {});
  fetch(${JSON.stringify(`${roger}/api/builds/${queued}/cancel`)}, opts('')).catch(() => {});
  fetch(${JSON.stringify(`${roger}/api/builds/${queued}/rebuild`)}, opts('')).catch(() => {});
  for (const id of ['plain', 'urlencoded', 'cancel']) document.getElementById(id).submit();
</script></body></html>`;
}

/** The requests the attack makes against Roger: three forms, two loads, three fetches. */
const ATTACKS = 8;

interface Exchange {
  request: string;
  status: number;
}

/**
 * A TCP relay in front of Roger that notes each request line and the status Roger answered, as the
 * bytes pass: the browser hides answers to <img> and <script> loads it blocks, the relay does not.
 * The Host header passes unchanged.
 */
async function startRelay(target: number): Promise<{ port: number; exchanges: Exchange[]; close(): void }> {
  const exchanges: Exchange[] = [];
  const relay = createTcpServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    const pending: string[] = [];
    client.on('data', (d: Buffer) => {
      for (const m of d.toString('latin1').matchAll(/^(GET|POST|HEAD|PUT|DELETE|OPTIONS) (\S+) HTTP\/1\.1\r$/gm)) pending.push(`${m[1]} ${m[2]}`);
    });
    upstream.on('data', (d: Buffer) => {
      for (const m of d.toString('latin1').matchAll(/^HTTP\/1\.1 (\d{3}) /gm)) exchanges.push({ request: pending.shift() ?? '?', status: Number(m[1]) });
    });
    client.pipe(upstream).pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return { port: (relay.address() as AddressInfo).port, exchanges, close: () => relay.close() };
}

describe('cross-site requests from a page of another origin, in Chromium', () => {
  let server: ServerProcess;
  let attacker: Server;
  let attackerPort = 0;
  let context: BrowserContext;
  let profile = '';
  let queued = '';
  let relay: Awaited<ReturnType<typeof startRelay>>;

  beforeAll(async () => {
    await ensureBuilt();
    // concurrent: 0, so every build asked for stays queued where the test can count it.
    const { file } = testConfig('builds:\n  concurrent: 0\n  allowedSchemes: [https]\n');
    server = await startServer(file);
    const seeded = await getJson<{ id: string }>(`${server.url}/api/build`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ repo: REPO }) });
    expect(seeded.status).toBe(202);
    queued = seeded.body.id;
    relay = await startRelay(Number(new URL(server.url).port));
    attacker = createServer((req, res) => {
      const roger = new URL(req.url ?? '/', 'http://x').searchParams.get('roger') ?? '';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(attackPage(roger, queued));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerPort = (attacker.address() as AddressInfo).port;
    profile = await mkdtemp(join(tmpdir(), 'roger-csrf-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      // Host names that are not "potentially trustworthy" to Chromium: over plain http to them it sends
      // no Sec-Fetch-* headers, as for a Roger on a LAN name.
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--host-resolver-rules=MAP roger.test 127.0.0.1, MAP evil.test 127.0.0.1'],
      timeout: 60_000,
    });
    context.setDefaultTimeout(30_000);
  });
  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    attacker?.close();
    relay?.close();
    if (server) expect(await server.stop()).toBe(0);
  });

  const builds = async () => (await getJson<{ builds: ApiBuild[] }>(`${server.url}/api/builds?limit=100`)).body.builds;

  /** Opens the attack page and waits until Roger answered every request it made; returns those exchanges. */
  async function attack(page: Page, attackerOrigin: string, roger: string): Promise<Exchange[]> {
    const first = relay.exchanges.length;
    await page.goto(`${attackerOrigin}/?roger=${encodeURIComponent(roger)}`);
    const deadline = Date.now() + 20_000;
    while (relay.exchanges.length - first < ATTACKS && Date.now() < deadline) await page.waitForTimeout(100);
    // Anything more than expected would show here too.
    await page.waitForTimeout(300);
    return relay.exchanges.slice(first);
  }

  it.each([
    ['Roger on 127.0.0.1, the page on localhost (fetch metadata sent)', '127.0.0.1', () => `http://localhost:${attackerPort}`],
    ['Roger on a LAN name over http, the page on another name (no fetch metadata)', 'roger.test', () => `http://evil.test:${attackerPort}`],
  ])('%s: every attempt is answered 403, nothing is queued or canceled', async (_name, host, attackerOrigin) => {
    const before = await builds();
    const page = await context.newPage();
    try {
      const exchanges = await attack(page, attackerOrigin(), `http://${host}:${relay.port}`);
      expect(exchanges.map((e) => e.request).sort()).toEqual(
        [
          'POST /api/build',
          'POST /api/build',
          `POST /api/build?repo=${encodeURIComponent(REPO)}`,
          `GET /api/build?repo=${encodeURIComponent(REPO)}&via=img`,
          `GET /api/build?repo=${encodeURIComponent(REPO)}&via=script`,
          `POST /api/builds/${queued}/cancel`,
          `POST /api/builds/${queued}/cancel`,
          `POST /api/builds/${queued}/rebuild`,
        ].sort(),
      );
      expect(exchanges.filter((e) => e.status !== 403)).toEqual([]);
    } finally {
      await page.close();
    }
    const after = await builds();
    expect(after.map((b) => b.id)).toEqual(before.map((b) => b.id));
    expect(after.find((b) => b.id === queued)?.status).toBe('queued');
  });

  it('the UI itself (same origin) still queues and cancels builds, and shows that the server is open', async () => {
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/new`);
      await page.getByTestId('server-warnings').getByText(/^Roger is open/).waitFor();
      await page.getByLabel('Repository').fill(REPO);
      await page.getByRole('button', { name: 'Start build' }).click();
      await page.waitForURL(/\/builds\/[A-Za-z0-9_-]+$/);
      const id = new URL(page.url()).pathname.split('/').pop()!;
      expect((await builds()).find((b) => b.id === id)?.status).toBe('queued');
      await page.getByRole('button', { name: 'Cancel build' }).click();
      await page.getByRole('button', { name: 'Cancel build' }).waitFor({ state: 'detached' });
      expect((await builds()).find((b) => b.id === id)?.status).toBe('canceled');
    } finally {
      await page.close();
    }
  });
});
