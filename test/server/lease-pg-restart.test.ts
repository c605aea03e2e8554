import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniq } from '../helpers/config.js';
import { addBranches, makeBareRepo } from '../helpers/fixture-repo.js';
import { builds, clusterConfig, readCalls, startAgent, type AgentProcess } from '../helpers/lease-cluster.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-pg.js';

const PG = process.env.ROGER_TEST_PG;

describe.skipIf(!PG)('Postgres restarted mid-build', () => {
  it('the server and agents reconnect; every build ends once, none is lost or run twice', async () => {
    const root = await mkdtemp(join(tmpdir(), 'roger-pg-restart-'));
    let pgc: ThrowawayPostgres | undefined;
    let server: ServerProcess | undefined;
    const agents: AgentProcess[] = [];
    try {
      pgc = await startThrowawayPostgres();
      const { url } = pgc;
      const name = `pgr-${uniq()}`;
      const bare = await makeBareRepo(root, name, { Dockerfile: 'FROM 127.0.0.1:5000/busybox:latest\n', 'build.yml': `${name}: {}\n` });
      // A branch each: builds of one branch run one at a time and supersede each other.
      await addBranches(bare.dir, Array.from({ length: 20 }, (_, i) => `b${i}`), bare.sha);
      const repo = `file://${bare.dir}`;
      let branches = 0;
      server = await startServer(clusterConfig({ url, name: `srv-${uniq()}`, concurrent: 0, leaseSeconds: 30 }));
      const records = [join(root, 'a.jsonl'), join(root, 'b.jsonl')];
      for (const record of records) agents.push(await startAgent(clusterConfig({ url, name: `ag-${uniq()}`, concurrent: 2, leaseSeconds: 30, delayMs: 1500, record })));
      const queue = async (): Promise<string> =>
        (await getJson<{ id: string }>(`${server!.url}/api/build?repo=${encodeURIComponent(repo)}&branch=b${branches++}`)).body.id;
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(await queue());
      await waitFor(async () => (await builds(url)).some((b) => b.status === 'started'), 60_000, 'a build to start');
      await pgc.restart(1500);
      // Queued after the restart: found through the re-established LISTEN (or the fallback poll).
      ids.push(await waitFor(() => queue().catch(() => undefined), 30_000, 'the server to take requests again'));
      let last: unknown;
      const rows = await waitFor(
        async () => {
          const all = await builds(url).catch(() => []);
          last = all.map((b) => `${b.status}/${b.attempt}/${b.error ?? ''}`);
          return all.length === ids.length && all.every((b) => ['passed', 'failed', 'canceled'].includes(b.status)) ? all : undefined;
        },
        120_000,
        'every build to finish',
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}: ${JSON.stringify(last)}\n${agents.map((a) => a.output().slice(-5000)).join('\n')}`);
      });
      expect(rows.map((b) => [b.id, b.status, b.error])).toEqual(ids.map((id) => [id, 'passed', null]));
      const pushes = records.flatMap(readCalls).filter((c) => c.method === 'push' && c.phase === 'start');
      for (const id of ids) expect(pushes.filter((p) => p.build === id), `pushes of ${id}`).toHaveLength(1);
      const api = (await getJson<{ builds: { id: string; status: string }[] }>(`${server.url}/api/builds?limit=50`)).body.builds;
      expect(api.filter((b) => b.status === 'passed')).toHaveLength(ids.length);
    } finally {
      for (const a of agents) await a.kill9();
      await server?.kill9();
      await pgc?.destroy();
      await rm(root, { recursive: true, force: true });
    }
  }, 240_000);
});
