import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BuildRecord } from '../../src/core/build.js';
import type { Config } from '../../src/core/config.js';
import { createGitHubApi } from '../../src/forge/github/api.js';
import { githubRepo } from '../../src/forge/github/repo.js';
import { githubStatusNotifier, statusContext, wantsStatus } from '../../src/notify/github-status.js';
import { testConfig } from '../helpers/config.js';
import { FakeGitHub } from './fake-github.js';

const TOKEN = 'ghp_statustesttoken000000000000000000';
const SHA = 'b'.repeat(40);

function build(over: Partial<BuildRecord> = {}): BuildRecord {
  return {
    id: 'b1',
    groupId: 'b1',
    project: 'https://github.com/octo/app.git__app',
    repo: 'https://github.com/octo/app.git',
    branch: 'master',
    status: 'started',
    tag: '127.0.0.1:5000/app:latest',
    commit: SHA,
    author: null,
    digest: null,
    trigger: 'webhook',
    options: {},
    error: null,
    createdAt: '',
    updatedAt: '',
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    ...over,
  };
}

const warnings: string[] = [];
const log = { warn: (m: unknown) => void warnings.push(String(m)), debug: () => undefined };

describe('which builds report to GitHub', () => {
  const { config } = testConfig('auth:\n  github: t\n');
  it('webhook builds do, API builds do not, unless global is on or the project asks', () => {
    expect(wantsStatus(build(), config)).toBe(true);
    expect(wantsStatus(build({ trigger: 'api' }), config)).toBe(false);
    expect(wantsStatus(build({ trigger: 'api' }), config, ['github'])).toBe(true);
    expect(wantsStatus(build(), config, ['slack'])).toBe(false);
    const global = testConfig("notifications:\n  github:\n    global: 'true'\n").config;
    expect(wantsStatus(build({ trigger: 'cli' }), global)).toBe(true);
  });

  it('finds owner and repo on github.com or the Enterprise host, nowhere else', () => {
    const api = 'https://api.github.com';
    expect(githubRepo('https://github.com/octo/app.git', api)).toEqual({ owner: 'octo', repo: 'app' });
    expect(githubRepo('https://github.com/octo/app', api)).toEqual({ owner: 'octo', repo: 'app' });
    expect(githubRepo('git@github.com:octo/app.git', api)).toEqual({ owner: 'octo', repo: 'app' });
    expect(githubRepo('ssh://git@github.com/octo/app.git', api)).toEqual({ owner: 'octo', repo: 'app' });
    expect(githubRepo('https://ghe.corp/octo/app.git', 'https://ghe.corp/api/v3')).toEqual({ owner: 'octo', repo: 'app' });
    expect(githubRepo('https://gitlab.com/octo/app.git', api)).toBeUndefined();
    expect(githubRepo('https://github.com/octo/app/extra.git', api)).toBeUndefined();
    expect(githubRepo('/srv/git/app.git', api)).toBeUndefined();
  });
});

describe('the GitHub status notifier', () => {
  let gh: FakeGitHub;
  let config: Config;

  beforeAll(async () => {
    gh = await new FakeGitHub().start();
    config = testConfig(`app:\n  url: http://roger.test:8080/\nauth:\n  github: ${TOKEN}\ngithub:\n  apiUrl: ${gh.url}\n`).config;
  });
  afterAll(() => gh.close());
  beforeEach(() => {
    gh.reset();
    warnings.length = 0;
  });

  const notifier = () =>
    githubStatusNotifier({ config, log, api: createGitHubApi({ apiUrl: gh.url, token: TOKEN, retry: { baseDelayMs: 1, budgetMs: 500 } }) });

  it('sends pending on start and success on finish, in order, with context and target_url', async () => {
    const n = notifier();
    const b = build({ repo: `${gh.url}/octo/app.git` });
    await n.started(b);
    await n.finished({ ...b, status: 'passed' });
    await n.idle();
    expect(gh.statuses().map((r) => [r.method, r.path, r.authorization, r.body])).toEqual([
      ['POST', `/repos/octo/app/statuses/${SHA}`, `token ${TOKEN}`, { state: 'pending', context: 'continuous-integration/roger', target_url: 'http://roger.test:8080/builds/b1', description: 'Building 127.0.0.1:5000/app:latest' }],
      ['POST', `/repos/octo/app/statuses/${SHA}`, `token ${TOKEN}`, { state: 'success', context: 'continuous-integration/roger', target_url: 'http://roger.test:8080/builds/b1', description: 'Built 127.0.0.1:5000/app:latest' }],
    ]);
  });

  it('failure names the error, cut to 140 characters; canceled is error; skipped sends nothing', async () => {
    const n = notifier();
    const b = build({ repo: `${gh.url}/octo/app.git` });
    await n.finished({ ...b, status: 'failed', error: `after-build "npm test" exited with 1 ${'x'.repeat(300)}` });
    await n.finished({ ...b, id: 'b2', status: 'canceled', error: 'canceled by request' });
    await n.finished({ ...b, id: 'b3', status: 'canceled', error: 'skipped: branch "x" does not match' });
    await n.idle();
    const bodies = gh.statuses().map((r) => r.body as { state: string; description: string });
    expect(bodies.map((s) => s.state)).toEqual(['failure', 'error']);
    expect(bodies[0]?.description).toMatch(/^Failed: after-build "npm test" exited with 1 x+…$/);
    expect(bodies[0]?.description).toHaveLength(140);
    expect(bodies[1]?.description).toBe('Canceled: canceled by request');
  });

  it('sends nothing for builds on other hosts, without a commit, or not wanted', async () => {
    const n = notifier();
    await n.started(build({ repo: 'https://gitlab.com/octo/app.git' }));
    await n.started(build({ repo: `${gh.url}/octo/app.git`, commit: null }));
    await n.started(build({ repo: `${gh.url}/octo/app.git`, trigger: 'api' }));
    await n.idle();
    expect(gh.requests).toEqual([]);
  });

  it('sends nothing without a token', async () => {
    const bare = testConfig(`github:\n  apiUrl: ${gh.url}\n`).config;
    const n = githubStatusNotifier({ config: bare, log });
    await n.started(build({ repo: `${gh.url}/octo/app.git` }));
    await n.idle();
    expect(gh.requests).toEqual([]);
  });

  it('logs a status it cannot send and never throws, nor holds the caller up', async () => {
    gh.fail(/statuses/, 500, 100);
    const n = notifier();
    const started = Date.now();
    await n.started(build({ repo: `${gh.url}/octo/app.git` }));
    expect(Date.now() - started).toBeLessThan(50);
    await n.idle();
    expect(gh.statuses().length).toBeGreaterThan(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/GitHub status "pending" for build b1 not sent: .*HTTP 500/);
    expect(warnings[0]).not.toContain(TOKEN);
  });
});

describe('status contexts', () => {
  it("keeps Roger's context for a request's first build and gives each further project its own", () => {
    const first = build({ id: 'g1', groupId: 'g1', repo: 'https://github.com/octo/app', project: 'https://github.com/octo/app__web' });
    const sibling = build({ id: 's2', groupId: 'g1', repo: 'https://github.com/octo/app', project: 'https://github.com/octo/app__api__v2' });
    expect(statusContext(first)).toBe('continuous-integration/roger');
    expect(statusContext(sibling)).toBe('continuous-integration/roger/api__v2');
  });
});
