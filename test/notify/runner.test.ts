import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMasker, secretValues } from '../../src/config/mask.js';
import type { Config } from '../../src/core/config.js';
import { buildEvents } from '../../src/core/events.js';
import type { Store } from '../../src/core/store.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { createGit } from '../../src/git/cli.js';
import { LogHub } from '../../src/logs/hub.js';
import { createNotifications, type Notifications } from '../../src/notify/dispatch.js';
import { createNotifiers } from '../../src/notify/registry.js';
import { KeyedLock } from '../../src/core/keyed-lock.js';
import { executeBuild } from '../../src/runner/execute.js';
import { openStore } from '../../src/store/open.js';
import { testConfig } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { Receiver } from './harness.js';

/**
 * The runner with the scriptable fake engine, real git and a real store: notifications follow the
 * build's recorded end, whatever the receivers do.
 */
describe('notifications from the runner', () => {
  let hook: Receiver;
  let root: string;
  let config: Config;
  let store: Store;
  let notifications: Notifications;
  let logs: LogHub;

  beforeAll(async () => {
    hook = await new Receiver().start();
    root = await mkdtemp(join(tmpdir(), 'roger-notify-repos-'));
    config = testConfig(`app:\n  url: http://roger.test:8080\nnotifications:\n  webhook:\n    url: ${hook.url}/hook\n    timeout: 2.5\n    attempts: 1\n`).config;
    store = await openStore(':memory:', { dataDir: config.paths.builds });
    const mask = createMasker(secretValues(config));
    logs = new LogHub(store, { mask, flushMs: 1 });
    notifications = createNotifications({ config, store, logs, mask, notifiers: createNotifiers(config) });
  });
  afterAll(async () => {
    await store?.close();
    await hook?.close();
  });

  async function run(name: string, buildYml: string) {
    const { dir } = await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\n`, 'build.yml': buildYml });
    await store.createBuild({ repo: dir, branch: 'master', trigger: 'api', options: {} });
    const claimed = await store.claimNext(null);
    if (!claimed) throw new Error('nothing claimed');
    const events = buildEvents([notifications], (err) => {
      throw err;
    });
    const deps = { engine: createFakeEngine({ images: [BASE] }), git: createGit(), config, pushLock: new KeyedLock(), store, logs, events };
    const started = Date.now();
    await executeBuild(claimed, deps, new AbortController().signal);
    const ranMs = Date.now() - started;
    const build = await store.getBuild(claimed.id);
    return { build: build!, ranMs };
  }

  it('an unknown notify name is a warning in the log; the build goes on and the known ones are sent', async () => {
    hook.answer = () => 200;
    const { build } = await run('unknown-notify', 'app:\n  notify: [pager, webhook]\n');
    expect(build.status).toBe('passed');
    await notifications.idle();
    const log = await store.readLog(build.groupId, 0);
    expect(log).toContain('Warning: unknown notify "pager" (known: github, gitlab, gitea, slack, emailSes, email, webhook); ignored');
    expect(log).toContain('Notified webhook (app passed): POST answered 200');
    expect(hook.requests.filter((r) => JSON.parse(r.body).id === build.id)).toHaveLength(1);
  });

  it('a webhook that hangs neither delays the build nor grows its recorded duration', async () => {
    hook.answer = () => 'hang';
    hook.requests.length = 0;
    const { build, ranMs } = await run('slow-notify', 'app:\n  notify: [webhook]\n');
    expect(build.status).toBe('passed');
    // The attempt would time out after 2.5 s; the build was over (and recorded) long before.
    expect(ranMs).toBeLessThan(2_500);
    expect(build.durationMs).toBeLessThan(2_500);
    expect(await store.listNotifications(build.id)).toEqual([]);
    await notifications.idle();
    const attempts = await store.listNotifications(build.id);
    expect(attempts.map((a) => [a.attempt, a.ok, a.detail])).toEqual([[1, false, 'POST failed: no answer within the timeout']]);
    expect(hook.requests).toHaveLength(1);
    expect(attempts.every((a) => a.at > build.finishedAt!)).toBe(true);
    expect((await store.getBuild(build.id))?.durationMs).toBe(build.durationMs);
  });

  it('a project with several images notifies once per image, each with its own record', async () => {
    hook.answer = () => 200;
    hook.requests.length = 0;
    const { build } = await run('two-images', 'web:\n  notify: [webhook]\napi:\n  notify: [webhook]\n');
    await notifications.idle();
    const group = await store.listGroup(build.groupId);
    expect(group.map((b) => b.status)).toEqual(['passed', 'passed']);
    const bodies = hook.requests.map((r) => JSON.parse(r.body) as { id: string; project: string });
    expect(bodies.map((b) => b.project).sort()).toEqual(['api', 'web']);
    expect(new Set(bodies.map((b) => b.id))).toEqual(new Set(group.map((b) => b.id)));
  });
});
