import { describe, expect, it } from 'vitest';
import type { AgentRecord } from '../../src/core/agent.js';
import { backendCases, newBuild, useStore } from './backends.js';

const agent = (name: string, patch: Partial<AgentRecord> = {}): AgentRecord => ({
  name,
  labels: {},
  capacity: 2,
  running: 0,
  version: '1.0.0',
  healthy: true,
  problem: null,
  startedAt: '2026-01-01T00:00:00.000Z',
  lastHeartbeat: '2026-01-01T00:00:00.000Z',
  ...patch,
});

const BIG = 'https://h/o/big';
const PLAIN = 'https://h/o/plain';

describe.each(backendCases)('agents in the store ($name)', (c) => {
  const ctx = useStore(c);

  it('upserts an agent on every heartbeat and lists agents by name', async () => {
    const { store } = ctx();
    await store.recordAgent(agent('b', { labels: { pool: 'big' } }));
    await store.recordAgent(agent('a'));
    await store.recordAgent(agent('b', { labels: { pool: 'big' }, running: 2, healthy: false, problem: 'engine down', lastHeartbeat: '2026-01-01T00:00:05.000Z' }));
    const agents = await store.listAgents();
    expect(agents.map((a) => a.name)).toEqual(['a', 'b']);
    expect(agents[1]).toEqual({
      ...agent('b', { labels: { pool: 'big' }, running: 2, healthy: false, problem: 'engine down', lastHeartbeat: '2026-01-01T00:00:05.000Z' }),
      leaseExpiries: 0,
    });
  });

  it('records the claiming agent, also on siblings', async () => {
    const { store } = ctx();
    const { build } = await store.createBuild(newBuild(PLAIN));
    expect(build.agent).toBeNull();
    const claimed = await store.claimNext(null, { claimer: { agent: 'host-1', labels: {} } });
    expect(claimed).toMatchObject({ id: build.id, agent: 'host-1' });
    const [sibling] = await store.addSiblings(build.groupId, [`${PLAIN}__other`]);
    expect(sibling?.agent).toBe('host-1');
  });

  it('gives a repository asking for labels only to an agent offering all of them, in queue order', async () => {
    const { store } = ctx();
    await store.rememberLabels(BIG, { pool: 'big', arch: 'arm64' });
    const big = (await store.createBuild(newBuild(BIG))).build;
    const plain = (await store.createBuild(newBuild(PLAIN))).build;
    // No labels, or only some of them: the plain repository's build, never the big one.
    expect((await store.claimNext(null, { claimer: { agent: 'small', labels: { pool: 'big' } } }))?.id).toBe(plain.id);
    expect(await store.claimNext(null, { claimer: { agent: 'small', labels: {} } })).toBeUndefined();
    expect(await store.claimNext(null, { claimer: { agent: 'other', labels: { pool: 'big', arch: 'amd64' } } })).toBeUndefined();
    expect((await store.claimNext(null, { claimer: { agent: 'big', labels: { pool: 'big', arch: 'arm64', extra: 'x' } } }))?.id).toBe(big.id);
  });

  it('replaces and reads back what a repository asks for', async () => {
    const { store } = ctx();
    await store.rememberLabels(BIG, { pool: 'big' });
    await store.rememberLabels(PLAIN, { pool: 'x' });
    await store.rememberLabels(PLAIN, {});
    const labels = await store.repoLabels([BIG, PLAIN, BIG]);
    expect([...labels.entries()]).toEqual([[BIG, { pool: 'big' }]]);
    expect((await store.claimNext(null, { claimer: { agent: 'small', labels: {} } }))).toBeUndefined();
    await store.createBuild(newBuild(PLAIN));
    expect((await store.claimNext(null, { claimer: { agent: 'small', labels: {} } }))?.repo).toBe(PLAIN);
  });

  it('hands a build back in its old queue place, with the build args the claim handed out', async () => {
    const { store } = ctx();
    const first = (await store.createBuild({ ...newBuild(BIG), options: { buildargs: { TOKEN: 's3cret' } } })).build;
    const second = (await store.createBuild(newBuild(PLAIN))).build;
    const claimed = await store.claimNext(null, { claimer: { agent: 'small', labels: {} } });
    expect(claimed?.options.buildargs).toEqual({ TOKEN: 's3cret' });
    expect((await store.getBuild(first.id))?.options.buildargs).toBeUndefined();
    expect(await store.handBack(first.id, claimed!.options)).toBe(true);
    const back = await store.getBuild(first.id);
    expect(back).toMatchObject({ status: 'queued', agent: null, startedAt: null });
    // Before the later build, and with its values again.
    const again = await store.claimNext(null, { claimer: { agent: 'big', labels: { pool: 'big' } } });
    expect(again).toMatchObject({ id: first.id, agent: 'big', options: { buildargs: { TOKEN: 's3cret' } } });
    expect((await store.claimNext(null))?.id).toBe(second.id);
    await store.updateBuild(first.id, { status: 'canceled' });
    expect(await store.handBack(first.id, {})).toBe(false);
  });
});
