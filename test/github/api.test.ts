import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { createGitHubApi, type GitHubApi } from '../../src/forge/github/api.js';
import { FakeGitHub } from './fake-github.js';

const TOKEN = 'ghp_apitesttoken0000000000000000000000';
const SHA = 'a'.repeat(40);
const STATUS = { state: 'pending', target_url: 'http://roger.test/#/builds/b1', description: 'Building app', context: 'continuous-integration/roger' } as const;
const FAST = { baseDelayMs: 5, budgetMs: 2_000, attemptTimeoutMs: 1_000 };

describe('the GitHub API client', () => {
  let gh: FakeGitHub;
  let api: GitHubApi;

  beforeAll(async () => {
    gh = await new FakeGitHub().start();
    // Enterprise-style API URL with a trailing slash: Octokit must still hit /repos/... under it.
    api = createGitHubApi({ apiUrl: `${gh.url}/`, token: TOKEN, retry: FAST });
  });
  afterAll(() => gh.close());
  beforeEach(() => gh.reset());

  it('posts a commit status with the token', async () => {
    await api.createStatus('octo', 'app', SHA, STATUS);
    expect(gh.requests).toEqual([
      { method: 'POST', path: `/repos/octo/app/statuses/${SHA}`, authorization: `token ${TOKEN}`, body: { ...STATUS } },
    ]);
  });

  it('looks up a pull request head', async () => {
    gh.pulls.set('octo/app#3', { head: { ref: 'feature/x', sha: SHA, cloneUrl: 'http://git/octo/app.git', fullName: 'octo/app' }, baseFullName: 'octo/app' });
    expect(await api.getPullHead('octo', 'app', 3)).toEqual({ branch: 'feature/x', sha: SHA, cloneUrl: 'http://git/octo/app.git', fromFork: false });
    gh.pulls.set('octo/app#4', { head: { ref: 'master', sha: SHA, cloneUrl: 'http://git/evil/app.git', fullName: 'evil/app' }, baseFullName: 'octo/app' });
    expect((await api.getPullHead('octo', 'app', 4)).fromFork).toBe(true);
    expect(gh.requests.map((r) => `${r.method} ${r.path} ${r.authorization}`)).toEqual([
      `GET /repos/octo/app/pulls/3 token ${TOKEN}`,
      `GET /repos/octo/app/pulls/4 token ${TOKEN}`,
    ]);
  });

  it('answers not-found for an unknown pull request, without retrying', async () => {
    const err = await api.getPullHead('octo', 'app', 999).catch((e: unknown) => e);
    expect(isRogerError(err, 'not-found')).toBe(true);
    expect(gh.requests).toHaveLength(1);
  });

  it('retries 5xx and rate limits, then succeeds', async () => {
    gh.fail(/statuses/, 500, 1);
    gh.fail(/statuses/, 502, 1);
    gh.fail(/statuses/, 403, 1, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) });
    await api.createStatus('octo', 'app', SHA, STATUS);
    expect(gh.statuses()).toHaveLength(4);
  });

  it('honours retry-after on 429', async () => {
    gh.fail(/statuses/, 429, 1, { 'retry-after': '0' });
    await api.createStatus('octo', 'app', SHA, STATUS);
    expect(gh.statuses()).toHaveLength(2);
  });

  it('gives up after the attempts are spent, with a system error naming the status code', async () => {
    gh.fail(/statuses/, 500, 10);
    const err = await api.createStatus('octo', 'app', SHA, STATUS).catch((e: unknown) => e);
    expect(isRogerError(err, 'system')).toBe(true);
    expect((err as Error).message).toMatch(/HTTP 500/);
    expect((err as Error).message).not.toContain(TOKEN);
    expect(gh.statuses()).toHaveLength(4);
  });

  it('does not retry a refusal (422, 401, 403 without rate limit)', async () => {
    for (const status of [422, 401, 403]) {
      gh.reset();
      gh.fail(/statuses/, status, 1);
      await expect(api.createStatus('octo', 'app', SHA, STATUS)).rejects.toThrow(new RegExp(`HTTP ${status}`));
      expect(gh.statuses()).toHaveLength(1);
    }
  });

  it('does not wait for a rate limit reset beyond its time budget', async () => {
    gh.fail(/statuses/, 429, 1, { 'retry-after': '3600' });
    const started = Date.now();
    await expect(api.createStatus('octo', 'app', SHA, STATUS)).rejects.toThrow(/HTTP 429/);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(gh.statuses()).toHaveLength(1);
  });

  it('stops within its budget when the API is down', async () => {
    const down = createGitHubApi({ apiUrl: 'http://127.0.0.1:9', token: TOKEN, retry: { ...FAST, budgetMs: 300 } });
    const started = Date.now();
    const err = await down.createStatus('octo', 'app', SHA, STATUS).catch((e: unknown) => e);
    expect(isRogerError(err, 'system')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
