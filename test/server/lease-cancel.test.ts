import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { clusterConfig, query, startAgent } from '../helpers/lease-cluster.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, readUntil, startServer, waitFor } from '../helpers/server.js';

const PG = process.env.ROGER_TEST_PG;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** Containers (any state) whose command mentions `marker`. */
async function containersWith(marker: string): Promise<string[]> {
  const all = await docker.listContainers({ all: true });
  return all.filter((c) => c.Command.includes(marker)).map((c) => c.Id);
}

describe.skipIf(!PG)('a cancel reaches the agent running the build through the notification channel', () => {
  it('aborts the build on the agent at once (real engine) and its containers are removed', async () => {
    const db = await createTestDatabase(PG ?? '', 'roger_lease');
    const root = await mkdtemp(join(tmpdir(), 'roger-lease-cancel-'));
    const marker = `cancel-${uniq()}`;
    const repo = `file://${(await makeBareRepo(root, marker, { Dockerfile: `FROM ${BASE}\nRUN sleep 60 && echo ${marker}\n`, 'build.yml': `${marker}: {}\n` })).dir}`;
    const server = await startServer(clusterConfig({ url: db.url, name: `srv-${uniq()}`, concurrent: 0, real: true }));
    const agent = await startAgent(clusterConfig({ url: db.url, name: `real-${uniq()}`, concurrent: 1, real: true }));
    try {
      const id = (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(repo)}&branch=master`)).body.id;
      await readUntil(`${server.url}/api/builds/${id}/log`, 'RUN sleep 60', 90_000);
      await waitFor(async () => (await containersWith(marker)).length > 0, 60_000, 'the build container to run');
      const sent = Date.now();
      expect((await getJson(`${server.url}/api/builds/${id}/cancel`, { method: 'POST' })).status).toBe(202);
      // The agent's own record of the abort: the pipeline's closing line in the build log.
      await waitFor(
        async () => (await query<{ text: string }>(db.url, 'select text from log_chunks where group_id = $1', [id])).some((c) => c.text.includes('FAILED: canceled by request')),
        30_000,
        'the agent to abort the build',
      );
      const abortedMs = Date.now() - sent;
      await waitFor(async () => (await containersWith(marker)).length === 0, 60_000, 'the build containers to be removed');
      const goneMs = Date.now() - sent;
      console.log(`cancel -> aborted on the agent: ${abortedMs} ms; containers gone: ${goneMs} ms`);
      // The fallback poll looks every 5 s; the channel is what makes this fast. Generous under load.
      expect(abortedMs).toBeLessThan(4_000);
      const { body } = await getJson<{ build: { status: string; error: string } }>(`${server.url}/api/builds/${id}`);
      expect(body.build).toMatchObject({ status: 'canceled', error: 'canceled by request' });
    } finally {
      await agent.stop();
      await server.stop();
      await db.drop();
      await rm(root, { recursive: true, force: true });
    }
  }, 240_000);
});
