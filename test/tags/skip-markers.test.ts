import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipMarker } from '../../src/forge/github/parse.js';
import { testConfig } from '../helpers/config.js';
import { startHookApp, type HookApp } from '../helpers/hook-app.js';
import { FakeGitHub } from '../github/fake-github.js';
import { githubRequest, pushTag, pushToMaster, rewriteRepo } from '../github/fixtures.js';

const SECRET = 'skip-test-secret';
const REPO = 'https://git.example.test/octo/skippy.git';

describe('skip markers in a pushed head commit message', () => {
  let hook: HookApp;
  let gh: FakeGitHub;

  beforeAll(async () => {
    gh = await new FakeGitHub().start();
    const { config } = testConfig(`builds:\n  allowedSchemes: [https]\ngithub:\n  apiUrl: ${gh.url}\n  webhookSecret: ${SECRET}\n`);
    hook = await startHookApp(config);
  });
  afterAll(async () => {
    await hook.close();
    await gh.close();
  });

  const push = (message: string, payload = pushToMaster()) => {
    const p = rewriteRepo(payload, REPO);
    (p.head_commit as Record<string, unknown>).message = message;
    // A distinct commit each time, so no push is taken for a replay of another.
    const sha = crypto.randomUUID().replace(/-/g, '').padEnd(40, '0').slice(0, 40);
    p.after = sha;
    (p.head_commit as Record<string, unknown>).id = sha;
    return p;
  };
  const deliveryResult = async (id: string) => {
    const res = await fetch(`${hook.url}/api/hooks/deliveries?limit=500`);
    const list = ((await res.json()) as { deliveries: { id: string; result: string; build_id: string | null }[] }).deliveries;
    return list.find((d) => d.id === id);
  };

  it.each(['[skip ci]', '[ci skip]', '[no ci]', '[skip roger]', '[roger skip]', '[SKIP CI]', '[Roger Skip]'])(
    'a push whose message holds %s queues nothing and records the delivery as skipped',
    async (marker) => {
      const before = (await hook.store.listBuilds({ limit: 500 })).length;
      const req = await githubRequest('push', push(`Fix the docs ${marker}\n\nbody`), { secret: SECRET });
      const res = await hook.post(req);
      expect(res.status).toBe(202);
      expect(String(res.body.message)).toBe(`skipped: the head commit message contains ${marker.toLowerCase()}`);
      expect((await hook.store.listBuilds({ limit: 500 })).length).toBe(before);
      const d = await deliveryResult(req.headers['x-github-delivery']!);
      expect(d).toMatchObject({ result: `skipped: the head commit message contains ${marker.toLowerCase()}`, build_id: null });
    },
  );

  it('a marker in the body of the message counts; a tag push is skipped too', async () => {
    const req = await githubRequest('push', push('Release\n\n[skip roger]', pushTag()), { secret: SECRET });
    const res = await hook.post(req);
    expect(res.body.message).toBe('skipped: the head commit message contains [skip roger]');
  });

  it('near misses still build', async () => {
    for (const message of ['skip ci', '[skip-ci]', '[ci]', 'skip roger please']) {
      const before = (await hook.store.listBuilds({ limit: 500 })).length;
      const res = await hook.post(await githubRequest('push', push(message), { secret: SECRET }));
      expect(res.status).toBe(202);
      expect(res.body.message).toBe('build scheduled');
      expect((await hook.store.listBuilds({ limit: 500 })).length).toBe(before + 1);
    }
  });

  it('skipMarker finds the first marker, any case, and ignores messages without one', () => {
    expect(skipMarker('WIP [CI SKIP]')).toBe('[ci skip]');
    expect(skipMarker('[no ci] and [skip ci]')).toBe('[skip ci]');
    expect(skipMarker('nothing here')).toBeUndefined();
  });
});
