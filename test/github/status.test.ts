import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMasker } from '../../src/config/mask.js';
import type { BuildRecord } from '../../src/core/build.js';
import type { Config } from '../../src/core/config.js';
import { buildEvents } from '../../src/core/events.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { LogHub } from '../../src/logs/hub.js';
import { reclaimedHandler } from '../../src/runner/reclaimed.js';
import { createGitHubApi } from '../../src/forge/github/api.js';
import { githubRepo } from '../../src/forge/github/repo.js';
import { githubStatusNotifier, statusContext } from '../../src/notify/github-status.js';
import { recipients } from '../../src/notify/recipients.js';
import { testConfig } from '../helpers/config.js';
import { harness, project } from '../notify/harness.js';
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
    attempt: 1,
    leaseOwner: null,
    pushed: false,
    ...over,
  };
}

describe('which builds report to GitHub', () => {
  const { config } = testConfig('auth:\n  github: t\n');
  it('webhook builds do, API builds do not, unless global is on or the project asks', () => {
    expect(recipients(config, build(), undefined)).toEqual(['github']);
    expect(recipients(config, build({ trigger: 'api' }), undefined)).toEqual([]);
    expect(recipients(config, build({ trigger: 'api' }), ['github'])).toEqual(['github']);
    expect(recipients(config, build(), ['slack'])).toEqual(['slack']);
    const global = testConfig("notifications:\n  github:\n    global: 'true'\n").config;
    expect(recipients(global, build({ trigger: 'cli' }), undefined)).toEqual(['github']);
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
    config = testConfig(
      `app:\n  url: http://roger.test:8080/\nauth:\n  github: ${TOKEN}\ngithub:\n  apiUrl: ${gh.url}\nnotifications:\n  github:\n    timeout: 1\n    attempts: 3\n`,
    ).config;
  });
  afterAll(() => gh.close());
  beforeEach(() => gh.reset());

  /** The dispatcher over a real store, with GitHub's API at the fake; events as the runner sends them. */
  const setup = async () => {
    const api = createGitHubApi({ apiUrl: gh.url, token: TOKEN, retry: { attempts: 1 } });
    const h = await harness(config, { github: githubStatusNotifier(config, api) });
    const n = h.notifications;
    return {
      h,
      started: (b: BuildRecord) => n.started?.({ build: b, project: project(['github']), checkedOut: SHA }),
      finished: (b: BuildRecord, checkedOut: string | null = SHA, notify = ['github']) => n.finished?.({ build: b, project: project(notify), checkedOut: checkedOut ?? undefined }),
      idle: () => n.idle(),
    };
  };

  it('sends pending on start and success on finish, in order, with context and target_url', async () => {
    const n = await setup();
    const b = build({ repo: `${gh.url}/octo/app.git` });
    await n.started(b);
    await n.finished({ ...b, status: 'passed' });
    await n.idle();
    expect(gh.statuses().map((r) => [r.method, r.path, r.authorization, r.body])).toEqual([
      ['POST', `/repos/octo/app/statuses/${SHA}`, `token ${TOKEN}`, { state: 'pending', context: 'continuous-integration/roger', target_url: 'http://roger.test:8080/builds/b1', description: 'Building 127.0.0.1:5000/app:latest' }],
      ['POST', `/repos/octo/app/statuses/${SHA}`, `token ${TOKEN}`, { state: 'success', context: 'continuous-integration/roger', target_url: 'http://roger.test:8080/builds/b1', description: 'Built 127.0.0.1:5000/app:latest' }],
    ]);
    await n.h.close();
  });

  it('reports on the commit the checkout resolved, never the sha a webhook claimed, and nothing without one', async () => {
    const n = await setup();
    const claimed = 'f'.repeat(40);
    const resolved = 'a'.repeat(40);
    const b = build({ repo: `${gh.url}/octo/app.git`, commit: claimed, status: 'failed', error: 'checkout failed' });
    await n.finished(b, null);
    await n.idle();
    expect(gh.statuses()).toEqual([]);
    await n.finished(b, resolved);
    await n.idle();
    expect(gh.statuses().map((r) => r.path)).toEqual([`/repos/octo/app/statuses/${resolved}`]);
    await n.h.close();
  });

  it('a webhook build failed lost by a take-back reports failure on the commit its checkout resolved', async () => {
    const n = await setup();
    const logs = new LogHub(n.h.store, { mask: createMasker([]), flushMs: 1 });
    const taken = reclaimedHandler({ engine: createFakeEngine(), logs, events: buildEvents([n.h.notifications], () => undefined), log: pino({ level: 'silent' }), owner: 'server:s' });
    const lost = 'lost: agent a stopped responding';
    const stored = await n.h.stored({ repo: `${gh.url}/octo/app.git`, tag: '127.0.0.1:5000/app:latest', commit: SHA, status: 'failed', error: lost });
    // The plan had not named an image yet: its commit is only what the webhook claimed.
    const early = await n.h.stored({ repo: `${gh.url}/octo/app.git`, tag: null, commit: 'f'.repeat(40), status: 'failed', error: lost });
    taken.onReclaimed({ requeued: [], failed: [{ ...stored, trigger: 'webhook' }, { ...early, trigger: 'webhook' }] });
    await taken.idle();
    await n.idle();
    expect(gh.statuses().map((r) => [r.path, (r.body as { state: string; description: string }).state, (r.body as { description: string }).description])).toEqual([
      [`/repos/octo/app/statuses/${SHA}`, 'failure', `Failed: ${lost}`],
    ]);
    await n.h.close();
  });

  it('failure names the error, cut to 140 characters; canceled is error; a project paths: skipped is success', async () => {
    const n = await setup();
    const b = build({ repo: `${gh.url}/octo/app.git` });
    await n.finished({ ...b, status: 'failed', error: `after-build "npm test" exited with 1 ${'x'.repeat(300)}` });
    await n.finished({ ...b, id: 'b2', status: 'canceled', error: 'canceled by request' });
    await n.finished({ ...b, id: 'b3', status: 'skipped', error: 'no changed file matches paths (1 file changed since abc)' });
    await n.idle();
    const bodies = gh.statuses().map((r) => r.body as { state: string; description: string });
    expect(bodies.map((s) => s.state)).toEqual(['failure', 'error', 'success']);
    expect(bodies[2]?.description).toBe('Skipped: no changed file matches paths (1 file changed since abc)');
    expect(bodies[0]?.description).toMatch(/^Failed: after-build "npm test" exited with 1 x+…$/);
    expect(bodies[0]?.description).toHaveLength(140);
    expect(bodies[1]?.description).toBe('Canceled: canceled by request');
    await n.h.close();
  });

  it('sends nothing for builds on other hosts or not wanted', async () => {
    const n = await setup();
    await n.finished(build({ repo: 'https://gitlab.com/octo/app.git', status: 'passed' }));
    await n.finished(build({ repo: `${gh.url}/octo/app.git`, trigger: 'api', status: 'passed' }), SHA, []);
    await n.idle();
    expect(gh.requests).toEqual([]);
    await n.h.close();
  });

  it('is not configured without a token', () => {
    const bare = testConfig(`github:\n  apiUrl: ${gh.url}\n`).config;
    expect(githubStatusNotifier(bare)).toBeUndefined();
  });

  it('records a status it cannot send, attempt by attempt, never throws, nor holds the caller up', async () => {
    gh.fail(/statuses/, 500, 100);
    const n = await setup();
    const b = await n.h.stored({ repo: `${gh.url}/octo/app.git`, status: 'started' });
    const started = Date.now();
    await n.started(b);
    // Each failing attempt takes the API 100 ms and attempts are spaced out: a caller held up for them
    // would resume after every attempt was made.
    expect(gh.statuses().length).toBeLessThan(3);
    expect(Date.now() - started).toBeLessThan(1000);
    await n.idle();
    expect(gh.statuses()).toHaveLength(3);
    const attempts = await n.h.store.listNotifications(b.id);
    expect(attempts.map((a) => [a.notifier, a.event, a.attempt, a.ok])).toEqual([
      ['github', 'started', 1, false],
      ['github', 'started', 2, false],
      ['github', 'started', 3, false],
    ]);
    expect(attempts[0]?.detail).toMatch(/HTTP 500/);
    const log = await n.h.log(b.groupId);
    expect(log).toMatch(/Notification github \(app started\) failed after 3 attempt\(s\): .*HTTP 500/);
    expect(log + JSON.stringify(attempts)).not.toContain(TOKEN);
    await n.h.close();
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
