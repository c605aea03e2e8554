import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniq, writeConfig } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE, inRegistry } from '../helpers/pipeline.js';
import { getJson, startServer, waitFor } from '../helpers/server.js';
import { createTestDatabase } from '../helpers/test-database.js';

const PG = process.env.ROGER_TEST_PG;
const ROGER = join(import.meta.dirname, '..', '..', 'bin', 'roger');

describe.skipIf(!PG)('scale-out: an agent runs builds the server queued in a shared Postgres', () => {
  it('builds on the agent and streams its log through the server', async () => {
    const db = await createTestDatabase(PG ?? '', 'roger_agent');
    const name = `agent-${uniq()}`;
    const root = await mkdtemp(join(tmpdir(), 'roger-agent-'));
    const repo = `file://${(await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\nRUN echo on-the-agent\n`, 'build.yml': `${name}: {}\n` })).dir}`;
    const common = `database:\n  url: ${db.url}\n`;
    const server = await startServer(writeConfig(`${common}builds:\n  concurrent: 0\n  allowedSchemes: [file]\n`).file);
    const agentConfig = writeConfig(`${common}builds:\n  concurrent: 1\n  allowedSchemes: [file]\n`).file;
    const agent = spawn(ROGER, ['agent', '--config', agentConfig], { stdio: ['ignore', 'pipe', 'pipe'] });
    let agentOut = '';
    agent.stdout.on('data', (d: Buffer) => (agentOut += d.toString()));
    agent.stderr.on('data', (d: Buffer) => (agentOut += d.toString()));
    try {
      const id = (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(repo)}&branch=master`)).body.id;
      const build = await waitFor(async () => {
        const b = (await getJson<{ build: { status: string; error: string | null } }>(`${server.url}/api/builds/${id}`)).body.build;
        return ['passed', 'failed', 'canceled'].includes(b.status) ? b : undefined;
      }, 90_000, `the agent to build (agent said: ${agentOut})`);
      expect(build.status, `${build.error}\n${agentOut}`).toBe('passed');
      const log = await (await fetch(`${server.url}/api/builds/${id}/log`)).text();
      expect(log).toContain('on-the-agent');
      expect(await inRegistry(name, 'latest')).toBe(true);
    } finally {
      agent.kill('SIGTERM');
      await new Promise((r) => agent.once('exit', r));
      await server.stop();
      await db.drop();
    }
  });
});
