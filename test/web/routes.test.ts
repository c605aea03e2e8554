import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { webRoutes } from '../../src/http/routes/web.js';

const INDEX = '<!doctype html><div id="root"></div><script type="module" src="/assets/app-1a2b3c.js"></script>';

async function appFor(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  app.setNotFoundHandler((req, reply) => void reply.code(404).send({ message: `no route for ${req.url}` }));
  app.get('/api/builds', async () => ({ builds: [] }));
  await app.register(async (scope) => webRoutes({ root })(scope));
  return app;
}

async function builtUi(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'roger-webroot-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), INDEX);
  await writeFile(join(root, 'assets', 'app-1a2b3c.js'), 'console.log(1)');
  await writeFile(join(root, 'assets', '.secret'), 'no');
  return root;
}

describe('webRoutes: the built UI over HTTP', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => app?.close());

  it('answers index.html, revalidated, for every UI path', async () => {
    app = await appFor(await builtUi());
    for (const url of ['/', '/builds', '/builds/abc123', '/projects', '/new', '/?status=failed']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.body).toBe(INDEX);
    }
    const etag = (await app.inject({ url: '/' })).headers.etag;
    expect(etag).toBeTruthy();
    expect((await app.inject({ url: '/', headers: { 'if-none-match': String(etag) } })).statusCode).toBe(304);
    expect((await app.inject({ url: '/projects', method: 'HEAD' })).statusCode).toBe(200);
  });

  it('caches hashed assets for a year and refuses what is not there', async () => {
    app = await appFor(await builtUi());
    const res = await app.inject({ url: '/assets/app-1a2b3c.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toContain('javascript');
    for (const url of ['/assets/missing.js', '/assets/.secret', '/assets/../index.html', '/assets/%2e%2e/index.html']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).not.toBe(200);
      expect(r.body, url).not.toBe(INDEX);
    }
  });

  it('never shadows the API, webhooks or the probes', async () => {
    app = await appFor(await builtUi());
    expect((await app.inject({ url: '/api/builds' })).json()).toEqual({ builds: [] });
    for (const url of ['/api/nope', '/public/api/hooks/github', '/healthz', '/metrics', '/index.html', '/favicon.ico']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ message: expect.stringContaining('no route') });
    }
  });

  it('says how to build the UI when dist/web is missing', async () => {
    app = await appFor(join(tmpdir(), `roger-no-ui-${Date.now()}`));
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('npm run build');
    expect((await app.inject({ url: '/api/builds' })).statusCode).toBe(200);
  });
});
