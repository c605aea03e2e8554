import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { waitFor } from '../helpers/server.js';
import { startHookApp, type HookApp } from '../helpers/hook-app.js';
import { FakeGitHub } from './fake-github.js';
import { githubRequest, prComment, pushToMaster, rewriteRepo } from './fixtures.js';

const SECRET = 'hardening-secret';
const ALLOWED = 'https://git.example.test/octo/app.git';

describe('webhooks: the github.repositories allow-list and replayed payloads', () => {
  let hook: HookApp;
  let gh: FakeGitHub;

  beforeAll(async () => {
    gh = await new FakeGitHub().start();
    const { config } = testConfig(
      `builds:\n  allowedSchemes: [https]\ngithub:\n  apiUrl: ${gh.url}\n  webhookSecret: ${SECRET}\n  repositories: [octo/app, Acme/*]\nauth:\n  github: ghp_hardeningtoken\n`,
    );
    hook = await startHookApp(config, { apiRetry: { baseDelayMs: 1, budgetMs: 300 } });
  });
  afterAll(async () => {
    await hook.close();
    await gh.close();
  });
  beforeEach(() => gh.reset());

  const signed = (event: string, payload: Record<string, unknown>) => githubRequest(event, payload, { secret: SECRET });
  const builds = async () => (await hook.store.listBuilds({ limit: 500 })).length;
  const delivery = (id: string) => hook.delivery(id);
  let sha = 0;
  /** A push of a commit no other test pushed. */
  const push = (repo: string) => {
    const p = rewriteRepo(pushToMaster(), repo);
    p.head_commit = { id: (++sha).toString(16).padStart(40, 'a') };
    return p;
  };

  describe('github.repositories', () => {
    it.each([
      ['an exact name', ALLOWED],
      ['the name in another case', 'https://git.example.test/OCTO/App.git'],
      ['any repository of an owner/* entry', 'https://git.example.test/acme/anything'],
    ])('builds %s', async (_name, repo) => {
      const res = await hook.post(await signed('push', push(repo)));
      expect(res.status).toBe(202);
      expect(res.body.message).toBe('build scheduled');
    });

    it.each([
      ['a repository not listed', () => push('https://git.example.test/evil/app.git'), 'repository evil/app is not in github.repositories'],
      ['an owner that only starts like a listed one', () => push('https://git.example.test/acme-evil/app.git'), 'repository acme-evil/app is not in github.repositories'],
      ['a listed name carrying another repository\'s clone URL', () => {
        const p = push('https://git.example.test/evil/app.git');
        Object.assign(p.repository as object, { full_name: 'octo/app', name: 'app', owner: { login: 'octo' } });
        return p;
      }, 'repository.clone_url does not name octo/app'],
      ['a clone URL with credentials for another host', () => {
        const p = push(ALLOWED);
        (p.repository as Record<string, unknown>).clone_url = 'https://user@evil.example/octo/app.git';
        return p;
      }, 'repository.clone_url does not name octo/app'],
      ['a payload with no full_name', () => {
        const p = push(ALLOWED);
        delete (p.repository as Record<string, unknown>).full_name;
        return p;
      }, 'the payload has no valid repository.full_name (github.repositories is set)'],
    ])('answers 403 to %s, recording why and building nothing', async (_name, payload, reason) => {
      const before = await builds();
      const wakes = hook.wakes();
      const req = await signed('push', payload());
      const res = await hook.post(req);
      expect(res).toEqual({ status: 403, body: { message: reason } });
      expect(await delivery(req.headers['x-github-delivery']!)).toMatchObject({ result: `ignored: ${reason}`, build_id: null });
      expect(await builds()).toBe(before);
      expect(hook.wakes()).toBe(wakes);
    });

    it('refuses "build please!" on a repository not listed without asking GitHub anything', async () => {
      const res = await hook.post(await signed('issue_comment', prComment('https://git.example.test/evil/app.git', 3)));
      expect(res.status).toBe(403);
      expect(gh.requests).toEqual([]);
    });
  });

  describe('replays', () => {
    it('builds a signed body once, whatever delivery id it is re-sent under, even after the build finished', async () => {
      const payload = push(ALLOWED);
      const first = await signed('push', payload);
      const built = await hook.post(first);
      expect(built.status).toBe(202);
      const buildId = String(built.body.id);
      // Finished: the queued-build check no longer applies; the payload's identity still does.
      await hook.store.updateBuild(buildId, { status: 'passed', finishedAt: new Date().toISOString() });
      const before = await builds();
      const wakes = hook.wakes();
      const firstId = first.headers['x-github-delivery']!;
      for (let i = 0; i < 3; i++) {
        const replay = await signed('push', payload);
        expect(replay.headers['x-github-delivery']).not.toBe(firstId);
        const res = await hook.post(replay);
        expect(res).toEqual({ status: 200, body: { message: `duplicate: same payload as delivery ${firstId}` } });
        expect(await delivery(replay.headers['x-github-delivery']!)).toMatchObject({ result: `duplicate: same payload as delivery ${firstId}`, build_id: buildId });
      }
      expect(await builds()).toBe(before);
      expect(hook.wakes()).toBe(wakes);
    });

    it('builds exactly one of many copies sent at once', async () => {
      const payload = push(ALLOWED);
      const before = await builds();
      const requests = await Promise.all(Array.from({ length: 8 }, () => signed('push', payload)));
      const answers = await Promise.all(requests.map((r) => hook.post(r)));
      expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 200 && String(a.body.message).startsWith('duplicate: same payload'))).toHaveLength(7);
      expect(await builds()).toBe(before + 1);
    });

    it('does not look a replayed "build please!" up again', async () => {
      const HEAD = 'b'.repeat(40);
      gh.pulls.set('octo/app#21', { head: { ref: 'feature/x', sha: HEAD, cloneUrl: ALLOWED, fullName: 'octo/app' }, baseFullName: 'octo/app' });
      const comment = prComment(ALLOWED, 21);
      const first = await signed('issue_comment', comment);
      expect((await hook.post(first)).status).toBe(202);
      await waitFor(async () => (await delivery(first.headers['x-github-delivery']!))?.result === 'built', 5_000, 'the first comment to build');
      const replay = await hook.post(await signed('issue_comment', comment));
      expect(replay.status).toBe(200);
      expect(replay.body.message).toMatch(/^duplicate: same payload/);
      expect(gh.requests.filter((r) => r.path === '/repos/octo/app/pulls/21')).toHaveLength(1);
    });

    it('tells real new pushes apart: the same commit from another parent, or the same payload after the window', async () => {
      const payload = push(ALLOWED);
      expect((await hook.post(await signed('push', payload))).status).toBe(202);
      // Pushed back to this commit later: a new `before`, a new build request.
      const again = await hook.post(await signed('push', { ...payload, before: '9'.repeat(40) }));
      expect(again.status).toBe(202);
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() + 61 * 60 * 1000);
        const later = await hook.post(await signed('push', payload));
        expect(later.status).toBe(202);
      } finally {
        vi.useRealTimers();
      }
    });
  });
});
