/**
 * 20 no-cache builds through an API-only server (`builds.local: false`): first with one agent on the
 * main Docker engine, then with two agents, one per engine (the second from scripts/second-engine.sh).
 * Each agent runs 2 builds at once. Prints both wall times and the speed-up.
 *   ROGER_TEST_PG=postgres://… npx tsx bench/agents.ts      (npm run build first)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engine, FINISHED, freshDatabase, getAgents, getBuild, queue, startAgent, type AgentProcess } from '../test/agents/fleet.js';
import { uniq, writeConfig } from '../test/helpers/config.js';
import { makeBareRepo } from '../test/helpers/fixture-repo.js';
import { BASE } from '../test/helpers/pipeline.js';
import { startServer, waitFor } from '../test/helpers/server.js';

const BUILDS = 20;

async function round(label: string, sockets: (string | undefined)[], repos: string[]): Promise<number> {
  const db = await freshDatabase();
  const server = await startServer(writeConfig(`database:\n  url: ${db.url}\nbuilds:\n  local: false\n  allowedSchemes: [file]\n`).file);
  const agents: AgentProcess[] = sockets.map((socket, i) => startAgent(db.url, { name: `bench-${i}`, socket, concurrent: 2 }));
  try {
    await waitFor(async () => (await getAgents(server.url)).filter((a) => a.healthy).length === agents.length, 60_000, 'agents');
    const started = Date.now();
    const ids = await Promise.all(repos.map((r) => queue(server.url, r, true)));
    const builds = await Promise.all(
      ids.map((id) => waitFor(async () => {
        const b = await getBuild(server.url, id);
        return FINISHED.includes(b.status) ? b : undefined;
      }, 600_000, `build ${id}`)),
    );
    const seconds = (Date.now() - started) / 1000;
    const failed = builds.filter((b) => b.status !== 'passed');
    if (failed.length > 0) throw new Error(`${failed.length} builds did not pass: ${failed[0]?.error}`);
    const per = Object.entries(builds.reduce<Record<string, number>>((acc, b) => ({ ...acc, [b.agent ?? '?']: (acc[b.agent ?? '?'] ?? 0) + 1 }), {}));
    console.log(`${label}: ${BUILDS} builds in ${seconds.toFixed(1)} s (${per.map(([a, n]) => `${a}: ${n}`).join(', ')})`);
    return seconds;
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    await server.stop();
    await db.drop();
  }
}

async function main(): Promise<void> {
  if (!process.env.ROGER_TEST_PG) throw new Error('set ROGER_TEST_PG (eval "$(scripts/postgres.sh)")');
  const socket = await engine('start', 'engine2');
  const root = await mkdtemp(join(tmpdir(), 'roger-bench-agents-'));
  try {
    const tag = uniq();
    const repos = await Promise.all(
      Array.from({ length: BUILDS }, async (_, i) => {
        const name = `bench-agents-${tag}-${i}`;
        const dockerfile = `FROM ${BASE}\nRUN echo ${name} > /a && sleep 2\nRUN for i in $(seq 1 2000); do echo $i; done > /b\nRUN sleep 1\n`;
        return `file://${(await makeBareRepo(root, name, { Dockerfile: dockerfile, 'build.yml': `${name}: {}\n` })).dir}`;
      }),
    );
    const one = await round('one agent, one engine', [undefined], repos);
    const two = await round('two agents, two engines', [undefined, socket], repos);
    console.log(`speed-up: ${(one / two).toFixed(2)}x`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
