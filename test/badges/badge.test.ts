import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectId } from '../../src/core/build.js';
import type { BuildStatus } from '../../src/core/build.js';
import type { Store } from '../../src/core/store.js';
import { testConfig } from '../helpers/config.js';
import { startApp, type RunningApp } from '../http/app.js';

const TOKEN = 'badge-token-4321';
const REPO = 'https://git.example.test/team/app.git';
const PROJECT = projectId(REPO, 'app');

async function addBuild(store: Store, project: string, branch: string, status: BuildStatus): Promise<void> {
  const { build } = await store.createBuild({ repo: REPO, branch, trigger: 'api', options: {} });
  await store.updateBuild(build.id, { project, status });
}

const badgeUrl = (app: RunningApp, name: string, branch?: string): string =>
  `${app.url}/api/projects/${encodeURIComponent(name)}/badge.svg${branch === undefined ? '' : `?branch=${encodeURIComponent(branch)}`}`;

async function badge(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; res: Response }> {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text(), res };
}

describe('GET /api/projects/:name/badge.svg', () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(testConfig(`app:\n  auth:\n    tokens: [${TOKEN}]\ngithub:\n  webhookSecret: badge-hook-secret\n`).config);
    await addBuild(app.store, PROJECT, 'main', 'passed');
    await addBuild(app.store, PROJECT, 'main', 'canceled');
    await addBuild(app.store, PROJECT, 'broken', 'passed');
    await addBuild(app.store, PROJECT, 'broken', 'failed');
    await addBuild(app.store, PROJECT, 'broken', 'skipped');
    await addBuild(app.store, PROJECT, 'wip', 'failed');
    await addBuild(app.store, PROJECT, 'wip', 'started');
  });
  afterAll(() => app.close());

  it('shows passing, failing, running per branch, looking past canceled and skipped builds, without a token', async () => {
    for (const [branch, word] of [['main', 'passing'], ['broken', 'failing'], ['wip', 'running'], ['nope', 'unknown']] as const) {
      const { status, text, res } = await badge(badgeUrl(app, PROJECT, branch));
      expect(status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(text).toMatch(/^<svg/);
      expect(text).toContain(`>${word}<`);
    }
    // No branch: the project's newest telling build on any branch (wip's started build).
    expect((await badge(badgeUrl(app, PROJECT))).text).toContain('>running<');
  });

  it('answers 304 to a matching If-None-Match and 200 once the status changes', async () => {
    const first = await badge(badgeUrl(app, PROJECT, 'main'));
    const etag = first.res.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await badge(badgeUrl(app, PROJECT, 'main'), { 'if-none-match': etag ?? '' });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect((await badge(badgeUrl(app, PROJECT, 'main'), { 'if-none-match': `W/"other", ${etag ?? ''}` })).status).toBe(304);
    await addBuild(app.store, PROJECT, 'main', 'failed');
    const changed = await badge(badgeUrl(app, PROJECT, 'main'), { 'if-none-match': etag ?? '' });
    expect(changed.status).toBe(200);
    expect(changed.text).toContain('>failing<');
    expect(changed.res.headers.get('etag')).not.toBe(etag);
  });

  it('is the only /api route open without a token', async () => {
    expect((await fetch(`${app.url}/api/projects`)).status).toBe(401);
    expect((await fetch(`${app.url}/api/projects/${encodeURIComponent(PROJECT)}`)).status).toBe(401);
    expect((await fetch(`${app.url}/api/projects/x/badge.svgz`)).status).toBe(401);
    expect((await fetch(`${app.url}/api/projects/${encodeURIComponent(PROJECT)}/badge.svg`)).status).toBe(200);
  });

  it('gives an unknown badge, 200, for names that are no project: traversal, very long, unicode, odd queries', async () => {
    const odd = [
      badgeUrl(app, '../../etc/passwd'),
      `${app.url}/api/projects/..%2F..%2Fapi%2Fbuilds/badge.svg`,
      badgeUrl(app, 'x'.repeat(2000)),
      badgeUrl(app, '日本語のプロジェクト 🚀', 'ブランチ'),
      badgeUrl(app, `${PROJECT}<script>`, 'main'),
      badgeUrl(app, PROJECT, 'b'.repeat(5000)),
      `${badgeUrl(app, PROJECT)}?branch[]=main&branch[]=wip`,
      `${badgeUrl(app, PROJECT)}?branch[a]=main`,
      badgeUrl(app, "app' OR 1=1 --", "main' OR '1'='1"),
    ];
    for (const url of odd) {
      const { status, text } = await badge(url);
      expect(status, url).toBe(200);
      expect(text, url).toContain('>unknown<');
      expect(text).not.toMatch(/passwd|script|日本/);
    }
  });
});
