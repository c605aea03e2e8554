import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { startApp, type RunningApp } from './app.js';

const REPO = 'https://git.example.test/octo/app.git';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

/** Cross-site request forgery against the real app: no tokens (the open default), as a visitor's browser would send it. */
describe('requests a browser sends for another site', () => {
  let roger: RunningApp;
  let queuedId = '';

  beforeAll(async () => {
    const { config } = testConfig('app:\n  url: https://roger.example.com\nbuilds:\n  allowedSchemes: [https]\n');
    roger = await startApp(config);
    const res = await fetch(`${roger.url}/api/build`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ repo: REPO }) });
    expect(res.status).toBe(202);
    queuedId = ((await res.json()) as { id: string }).id;
  });
  afterAll(() => roger.close());

  const count = async () => (await roger.store.listBuilds({ limit: 100 })).length;
  /** node:http, not fetch: it sends the Host header it is given, as a browser behind a rebound name would. */
  const send = (path: string, headers: Record<string, string>, init: { method?: string; body?: string } = {}) =>
    new Promise<{ status: number; json(): Promise<unknown> }>((resolve, reject) => {
      const req = request(`${roger.url}${path}`, { method: init.method ?? 'POST', headers: { 'content-type': 'text/plain', ...headers } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: async () => (text ? JSON.parse(text) : {}) as unknown }));
      });
      req.on('error', reject);
      req.end(init.body ?? '');
    });

  it.each([
    ['a text/plain POST from another origin', '/api/build', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    ['a POST from a sibling port (same site, other origin)', '/api/build', { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' }],
    ['a form POST over plain http (Origin only, no fetch metadata)', '/api/build', { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }],
    ['a POST whose Origin is "null" (sandboxed frame)', '/api/build', { origin: 'null' }],
    ['a POST from a page whose Referer names another site', '/api/build', { referer: 'https://evil.example/page' }],
    ['a DNS-rebinding page (Origin equals Host, a name Roger does not own)', '/api/build', { origin: 'http://rebind.evil.example:8080', host: 'rebind.evil.example:8080' }],
    ['an encoded path', '/%61pi/build', { origin: 'https://evil.example' }],
  ])('refuses %s: 403 with the reason, nothing queued', async (_name, path, headers) => {
    const before = await count();
    const res = await send(`${path}?repo=${encodeURIComponent(REPO)}`, headers, { body: `repo=${REPO}` });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/^cross-site request refused: /);
    expect(await count()).toBe(before);
  });

  it('refuses GET /api/build from an <img> or <script> of another site, even with no Origin and no Referer', async () => {
    const before = await count();
    const url = `${roger.url}/api/build?repo=${encodeURIComponent(REPO)}`;
    const withMetadata = await fetch(url, { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'image', 'user-agent': BROWSER_UA } });
    expect(withMetadata.status).toBe(403);
    // Plain http to a host name: a browser sends no fetch metadata, and the page suppressed Referer.
    const bare = await fetch(url, { headers: { 'user-agent': BROWSER_UA, accept: 'image/avif,image/webp,*/*' } });
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as { message: string }).message).toContain('GET /api/build from a browser');
    // Fastify answers HEAD with the GET handler: the same request, the same refusal.
    const head = await fetch(url, { method: 'HEAD', headers: { 'user-agent': BROWSER_UA } });
    expect(head.status).toBe(403);
    expect(await count()).toBe(before);
  });

  it('refuses cancel and rebuild from another site: the queued build stays queued, nothing is added', async () => {
    const before = await count();
    for (const action of ['cancel', 'rebuild']) {
      const res = await send(`/api/builds/${queuedId}/${action}`, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
      expect(res.status).toBe(403);
    }
    expect(roger.canceled).toEqual([]);
    expect((await roger.store.getBuild(queuedId))?.status).toBe('queued');
    expect(await count()).toBe(before);
  });

  it('accepts the same requests from Roger itself and from clients that are not browsers', async () => {
    const before = await count();
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ repo: REPO });
    // app.url's origin, whatever Host a proxy forwards.
    expect((await send('/api/build', { ...json, origin: 'https://roger.example.com', host: 'internal:8080' }, { body })).status).toBe(202);
    // The UI served at an address no DNS can re-point: the Origin is the Host it was sent to.
    const host = new URL(roger.url).host;
    expect((await send('/api/build', { ...json, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' }, { body })).status).toBe(202);
    expect((await send('/api/build', { ...json, origin: 'http://localhost:9999', host: 'localhost:9999' }, { body })).status).toBe(202);
    // curl, CI scripts: no Origin, no fetch metadata; Roger's GET keeps working for them.
    expect((await fetch(`${roger.url}/api/build?repo=${encodeURIComponent(REPO)}`, { headers: { 'user-agent': 'curl/8.5.0' } })).status).toBe(202);
    // A person typing the URL into the address bar of a browser that sends fetch metadata.
    const typed = await fetch(`${roger.url}/api/build?repo=${encodeURIComponent(REPO)}`, { headers: { 'user-agent': BROWSER_UA, 'sec-fetch-site': 'none' } });
    expect(typed.status).toBe(202);
    expect(await count()).toBe(before + 5);
  });

  it('leaves reads and signed webhooks alone', async () => {
    const cross = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    expect((await fetch(`${roger.url}/api/builds`, { headers: cross })).status).toBe(200);
    expect((await fetch(`${roger.url}/healthz`, { headers: cross })).status).toBe(200);
    // Not refused as cross-site: the webhook route answers for itself (here: no such plugin, 404).
    const hook = await send('/public/api/hooks/github', cross, { body: '{}' });
    expect(hook.status).toBe(404);
  });
});
