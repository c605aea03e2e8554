import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/config/mask.js';
import type { Config } from '../../src/core/config.js';
import { testConfig } from '../helpers/config.js';
import { harness, project, Receiver, type Harness } from './harness.js';

const SLACK_PATH = '/services/T0001/B0002/slacktokenZ9y8X7w6';
const HOOK_TOKEN = 'hooktoken-4f1c9e2a7b';
const HMAC_SECRET = 'hmac-secret-0d3b5f7a';

/** Slack and signed-webhook notifications against real HTTP receivers on 127.0.0.1. */
describe('Slack and webhook notifications', () => {
  let slack: Receiver;
  let hook: Receiver;
  let config: Config;
  let h: Harness;

  beforeAll(async () => {
    slack = await new Receiver().start();
    hook = await new Receiver().start();
    config = testConfig(
      [
        'app:\n  url: http://roger.test:8080',
        `auth:\n  slack:\n    url: ${slack.url}${SLACK_PATH}`,
        'notifications:',
        "  slack:\n    channel: '#builds'\n    icon_emoji: ':robot_face:'\n    username: roger\n    timeout: 0.5\n    attempts: 3",
        `  webhook:\n    url: ${hook.url}/roger?token=${HOOK_TOKEN}\n    secret: ${HMAC_SECRET}\n    timeout: 0.5\n    attempts: 3`,
      ].join('\n') + '\n',
    ).config;
    h = await harness(config);
  });
  afterAll(async () => {
    await h?.close();
    await slack?.close();
    await hook?.close();
  });
  beforeEach(() => {
    slack.requests.length = 0;
    hook.requests.length = 0;
    slack.answer = () => 200;
    hook.answer = () => 200;
  });

  const notify = async (over: Parameters<Harness['stored']>[0], names: string[]) => {
    const build = await h.stored({ repo: 'https://github.com/octo/app.git', author: 'Ada <ada@example.com>', tag: '127.0.0.1:5000/app:master', ...over });
    const started = Date.now();
    await h.notifications.finished?.({ build, project: project(names), checkedOut: 'c'.repeat(40) });
    const returnedIn = Date.now() - started;
    await h.notifications.idle();
    return { build, returnedIn, attempts: await h.store.listNotifications(build.id), log: await h.log(build.groupId) };
  };

  it("posts Roger's message to Slack as one green attachment by the repository owner", async () => {
    const { build, attempts, log } = await notify({ status: 'passed' }, ['slack']);
    expect(slack.requests).toHaveLength(1);
    const req = slack.requests[0]!;
    expect(req.path).toBe(SLACK_PATH);
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(body).toMatchObject({ channel: '#builds', icon_emoji: ':robot_face:', username: 'roger' });
    expect(body.attachments).toEqual([
      {
        fallback: '[app:master] BUILD PASSED',
        color: '#36a64f',
        author_name: 'octo',
        title: '[app:master] BUILD PASSED',
        title_link: `http://roger.test:8080/builds/${build.id}`,
        text: `You can check the build output at http://roger.test:8080/builds/${build.id}`,
      },
    ]);
    expect(attempts.map((a) => [a.notifier, a.attempt, a.ok])).toEqual([['slack', 1, true]]);
    expect(log).toContain('Notified slack (app passed): posted to Slack #builds');
  });

  it('a failed build is red and names the error', async () => {
    await notify({ status: 'failed', error: 'after-build "npm test" exited with 1' }, ['slack']);
    const attachment = (JSON.parse(slack.requests[0]!.body) as { attachments: { color: string; title: string }[] }).attachments[0];
    expect(attachment).toMatchObject({ color: '#d00000', title: '[app:master] BUILD FAILED: after-build "npm test" exited with 1' });
  });

  it('signs the webhook body with HMAC-SHA256 and names the event', async () => {
    const { build, attempts } = await notify({ status: 'failed', error: 'push refused', digest: null, durationMs: 4321 }, ['webhook']);
    expect(hook.requests).toHaveLength(1);
    const req = hook.requests[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-roger-event']).toBe('build.failed');
    expect(req.headers['x-roger-signature-256']).toBe(`sha256=${createHmac('sha256', HMAC_SECRET).update(req.body).digest('hex')}`);
    expect(JSON.parse(req.body)).toEqual({
      id: build.id,
      project: 'app',
      repo: 'https://github.com/octo/app.git',
      branch: 'master',
      commit: 'c'.repeat(40),
      status: 'failed',
      error: 'push refused',
      image: '127.0.0.1:5000/app:master',
      digest: null,
      duration_ms: 4321,
      link: `http://roger.test:8080/builds/${build.id}`,
    });
    expect(attempts.map((a) => a.ok)).toEqual([true]);
  });

  it('an endpoint answering 500 forever is tried 3 times with backoff, then given up, without holding the build', async () => {
    slack.answer = () => 500;
    const { returnedIn, attempts, log } = await notify({ status: 'passed' }, ['slack']);
    expect(returnedIn).toBeLessThan(50);
    expect(slack.requests).toHaveLength(3);
    expect(attempts.map((a) => [a.attempt, a.ok])).toEqual([[1, false], [2, false], [3, false]]);
    expect(attempts[0]?.detail).toMatch(/HTTP 500/);
    expect(log).toMatch(/Notification slack \(app passed\) failed after 3 attempt\(s\): HTTP 500/);
  });

  it('an endpoint answering 404 is not retried', async () => {
    hook.answer = () => 404;
    const { attempts, log } = await notify({ status: 'passed' }, ['webhook']);
    expect(hook.requests).toHaveLength(1);
    expect(attempts.map((a) => [a.attempt, a.ok, a.detail])).toEqual([[1, false, 'HTTP 404: answer 404']]);
    expect(log).toContain('Notification webhook (app passed) failed after 1 attempt(s): HTTP 404');
  });

  it('429 and then success: the second attempt is recorded as sent', async () => {
    let n = 0;
    hook.answer = () => (++n === 1 ? 429 : 200);
    const { attempts } = await notify({ status: 'passed' }, ['webhook']);
    expect(attempts.map((a) => [a.attempt, a.ok])).toEqual([[1, false], [2, true]]);
  });

  it('an endpoint that hangs: each attempt times out, the notification gives up in bounded time', async () => {
    slack.answer = () => 'hang';
    hook.answer = () => 'hang';
    const started = Date.now();
    const { attempts, returnedIn } = await notify({ status: 'passed' }, ['slack', 'webhook']);
    expect(returnedIn).toBeLessThan(50);
    // 3 attempts of 0.5 s plus backoff (0.25 s, 0.5 s, jittered), both notifiers in parallel.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(attempts.filter((a) => a.notifier === 'slack').map((a) => a.detail)).toEqual(Array(3).fill('Slack webhook: no answer within the timeout'));
    expect(attempts.filter((a) => a.notifier === 'webhook').map((a) => a.ok)).toEqual([false, false, false]);
  });

  it('a refused connection is a network error, retried', async () => {
    const dead = new Receiver();
    await dead.start();
    const url = dead.url;
    await dead.close();
    const c = testConfig(`notifications:\n  webhook:\n    url: ${url}/x\n    timeout: 0.5\n    attempts: 2\n`).config;
    const local = await harness(c);
    const build = await local.stored({ status: 'passed' });
    await local.notifications.finished?.({ build, project: project(['webhook']) });
    await local.notifications.idle();
    const attempts = await local.store.listNotifications(build.id);
    expect(attempts.map((a) => a.ok)).toEqual([false, false]);
    expect(attempts[0]?.detail).toMatch(/POST failed: .*(ECONNREFUSED|fetch failed)/);
    await local.close();
  });

  it('canceled and skipped builds do not go to Slack; canceled ones do go to the webhook', async () => {
    await notify({ status: 'canceled', error: 'canceled by request' }, ['slack', 'webhook']);
    await notify({ status: 'skipped', error: 'branch "x" does not match' }, ['slack', 'webhook']);
    expect(slack.requests).toHaveLength(0);
    expect(hook.requests.map((r) => r.headers['x-roger-event'])).toEqual(['build.canceled']);
  });

  it('keeps the Slack URL, the webhook URL token and the HMAC secret out of logs, records and /api/config', async () => {
    slack.answer = () => 500;
    hook.answer = () => 503;
    const { log, attempts } = await notify({ status: 'passed' }, ['slack', 'webhook']);
    const shown = JSON.stringify(maskSecrets(config));
    for (const text of [log, JSON.stringify(attempts), shown]) {
      expect(text).not.toContain('slacktokenZ9y8X7w6');
      expect(text).not.toContain(HOOK_TOKEN);
      expect(text).not.toContain(HMAC_SECRET);
    }
  });

  it('a project naming a notifier that is not configured gets a log line, nothing else', async () => {
    const { attempts, log } = await notify({ status: 'passed' }, ['email']);
    expect(attempts).toEqual([]);
    expect(log).toContain('Notification email: not configured in config.yml (notifications.email); nothing sent');
  });

  it('global: true and Roger\'s global: \'true\' notify builds whose project does not ask', async () => {
    const c = testConfig(
      `notifications:\n  webhook:\n    url: ${hook.url}/g\n    global: 'true'\n  slack:\n    url: ${slack.url}/s\n    global: true\n`,
    ).config;
    const local = await harness(c);
    const build = await local.stored({ status: 'passed' });
    await local.notifications.finished?.({ build, project: project([]) });
    await local.notifications.idle();
    expect(hook.requests.map((r) => r.path)).toEqual(['/g']);
    expect(slack.requests.map((r) => r.path)).toEqual(['/s']);
    await local.close();
  });

  it('a malformed section stops the start with the key named', async () => {
    const c = testConfig('notifications:\n  webhook:\n    url: not-a-url\n').config;
    await expect(harness(c)).rejects.toThrow(/notifications\.webhook\.url/);
  });
});
