import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { LogHub } from '../../src/logs/hub.js';
import { openStore } from '../../src/store/open.js';
import { startInprocApp, type InprocApp } from '../server/inproc-app.js';

/** Reads a streamed response, recording when each piece arrived. */
async function readTimed(res: Response): Promise<{ text: string; at: { ms: number; text: string }[] }> {
  const start = Date.now();
  const reader = res.body!.getReader();
  const at: { ms: number; text: string }[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    at.push({ ms: Date.now() - start, text: Buffer.from(value).toString() });
  }
  return { text: at.map((a) => a.text).join(''), at };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Store that counts the calls a follow makes, to show followers share one poll. */
function counting(store: Store): { store: Store; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(key)] = (calls[String(key)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

describe('log followers on a real server', () => {
  let srv: InprocApp | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  it('receives lines live as this process writes them and ends when the build ends', async () => {
    // A long poll: anything arriving quickly came by notification.
    srv = await startInprocApp({ hub: { pollMs: 60_000, flushMs: 20 } });
    const { build } = await srv.store.createBuild({ repo: 'https://example.com/o/live', branch: 'master', trigger: 'api', options: {} });
    await srv.store.claimNext(null);
    const res = await fetch(`${srv.url}/api/builds/${build.id}/log`);
    expect(res.status).toBe(200);
    const reading = readTimed(res);
    const log = srv.logs.writer(build.groupId);
    await sleep(300);
    log.write('line one');
    await sleep(500);
    log.write('line two');
    await log.flush();
    await sleep(300);
    await srv.store.updateBuild(build.id, { status: 'passed', finishedAt: new Date().toISOString() });
    srv.logs.touch(build.groupId);
    const { text, at } = await reading;
    expect(text).toMatch(/line one\n.*line two\n$/s);
    // Each line arrived on its own, while the build ran, well before the end.
    const first = at.find((a) => a.text.includes('line one'));
    const second = at.find((a) => a.text.includes('line two'));
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(first!.ms).toBeLessThan(second!.ms - 200);
    expect(second!.ms).toBeLessThan(1_600);
    expect(srv.logs.following).toBe(0);
  });

  it('follows a log another process writes through one shared poll per build, not one per follower', async () => {
    const store = await openStore(':memory:', { dataDir: '/nonexistent' });
    const { store: counted, calls } = counting(store);
    const hub = new LogHub(counted, { mask: (t) => t, pollMs: 100 });
    const { build } = await store.createBuild({ repo: 'https://example.com/o/remote', branch: 'master', trigger: 'api', options: {} });
    await store.claimNext(null);
    const followers = Array.from({ length: 50 }, async () => {
      let text = '';
      for await (const page of hub.follow(build.groupId)) text += page;
      return text;
    });
    await sleep(300);
    // Written as an agent would: straight to the store, no notification in this process.
    await store.appendLog(build.groupId, 'from the agent\n');
    await sleep(300);
    const before = { ...calls };
    await sleep(1_000);
    // Idle for a second with 50 followers: about 10 polls of the group in all.
    const listGroups = (calls.listGroup ?? 0) - (before.listGroup ?? 0);
    const reads = (calls.readLog ?? 0) - (before.readLog ?? 0);
    expect(listGroups).toBeGreaterThan(3);
    expect(listGroups).toBeLessThan(20);
    expect(reads).toBeLessThan(20);
    await store.appendLog(build.groupId, 'the end\n');
    await store.updateBuild(build.id, { status: 'passed', finishedAt: new Date().toISOString() });
    const texts = await Promise.all(followers);
    for (const t of texts) expect(t).toBe('from the agent\nthe end\n');
    hub.close();
    await store.close();
  });

  it('gives a finished build its whole log at once and ends', async () => {
    srv = await startInprocApp();
    const { build } = await srv.store.createBuild({ repo: 'https://example.com/o/done', branch: 'master', trigger: 'api', options: {} });
    await srv.store.appendLog(build.groupId, 'all of it\n');
    await srv.store.updateBuild(build.id, { status: 'failed', finishedAt: new Date().toISOString() });
    const res = await fetch(`${srv.url}/api/builds/${build.id}/log`);
    expect(await res.text()).toBe('all of it\n');
    expect((await fetch(`${srv.url}/api/builds/nope-nope/log`)).status).toBe(404);
    expect(srv.logs.following).toBe(0);
  });
});
