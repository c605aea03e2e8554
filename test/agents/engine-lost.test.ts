import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniq, writeConfig } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { readUntil, startServer, waitFor, type ServerProcess } from '../helpers/server.js';
import { engine, FINISHED, removeEngine, freshDatabase, getAgents, getBuild, PG, queue, startAgent, type AgentProcess } from './fleet.js';

// Empty means unset, as in the scripts' ${ROGER_SERVICES_DIR:-…}.
const servicesDir = (): string => process.env.ROGER_SERVICES_DIR || join(import.meta.dirname, '..', '..', '.services');

/**
 * An agent on a throwaway Docker engine of its own (never one the other tests share), stopped while
 * the agent runs a build on it.
 */
describe.skipIf(!PG)('an agent whose engine stops', () => {
  const name = `lost-${uniq()}`;
  const engineName = `engine-${uniq()}`;
  let socket = '';
  let server: ServerProcess;
  let agent: AgentProcess;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let root: string;
  const agentState = async () => (await getAgents(server.url)).find((a) => a.name === name);

  beforeAll(async () => {
    socket = await engine('start', engineName);
    db = await freshDatabase();
    root = await mkdtemp(join(tmpdir(), 'roger-lost-'));
    server = await startServer(writeConfig(`database:\n  url: ${db.url}\nbuilds:\n  local: false\n  allowedSchemes: [file]\n`).file);
    agent = startAgent(db.url, { name, socket, concurrent: 1 });
    await waitFor(async () => (await agentState())?.healthy === true, 60_000, 'the agent to report healthy');
  });

  afterAll(async () => {
    await agent?.stop();
    if (server) await server.stop();
    await db?.drop();
    // The build's container from before the engine was killed is still there: removed, so the engine
    // stops with nothing mounted and its directory can go.
    await promisify(execFile)('sh', ['-c', 'ids=$(docker -H "unix://$1" ps -aq) && [ -z "$ids" ] || docker -H "unix://$1" rm -f $ids', 'sh', socket]).catch(() => undefined);
    await removeEngine(engineName, servicesDir());
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('fails the running build as engine lost, stays up unhealthy, and is healthy again when the engine returns', async () => {
    const repo = `file://${(await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\nRUN echo on-the-lost-engine && sleep 120\n`, 'build.yml': `${name}: {}\n` })).dir}`;
    const id = await queue(server.url, repo, true);
    await readUntil(`${server.url}/api/builds/${id}/log`, 'on-the-lost-engine', 90_000);
    // Gone at once, as a crashed engine or a lost host is: SIGKILL (a graceful stop first kills the
    // build's container while still answering, which reads as the build's own failure).
    process.kill(Number(await readFile(join(servicesDir(), engineName, 'docker.pid'), 'utf8')), 'SIGKILL');
    const failed = await waitFor(async () => {
      const b = await getBuild(server.url, id);
      return FINISHED.includes(b.status) ? b : undefined;
    }, 90_000, `the build to fail (agent said: ${agent.output().slice(-3000)})`);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^engine lost: /);
    expect(failed.agent).toBe(name);
    const down = await waitFor(async () => {
      const a = await agentState();
      return a && !a.healthy ? a : undefined;
    }, 60_000, 'the agent to report unhealthy');
    expect(down).toMatchObject({ live: true, healthy: false });
    expect(down.problem).toMatch(/^engine: /);
    expect(agent.proc.exitCode).toBeNull();

    await engine('start', engineName);
    await waitFor(async () => (await agentState())?.healthy === true, 60_000, 'the agent to report healthy again');
    expect(agent.proc.exitCode).toBeNull();
  });
});
