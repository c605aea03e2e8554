import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RunningServer } from '../../src/main/server.js';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE } from '../helpers/pipeline.js';
import { changes, openSse } from './sse.js';

const TOKEN = 'events-token-5566';
const bearer = { authorization: `Bearer ${TOKEN}` };

/** The whole server (real engine, registry and git over HTTP): a build requested through the API. */
describe('GET /api/events on a running server', () => {
  let git: GitServer;
  let server: RunningServer;
  let url: string;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-events-'));
    git = await startGitServer({ root });
    const { config } = testConfig(
      ['app:\n  port: 0\n  auth:\n    tokens: [' + TOKEN + ']', 'builds:\n  allowedSchemes: [https, http]', 'github:\n  webhookSecret: events-hook-secret'].join('\n') + '\n',
    );
    server = await createServer(config, pino({ level: 'silent' }));
    url = `http://127.0.0.1:${(await server.listen()).port}`;
  });
  afterAll(async () => {
    await server?.close(5_000);
    await git?.close();
  });

  it('needs the API token like every /api route', async () => {
    expect((await fetch(`${url}/api/events`)).status).toBe(401);
    expect((await fetch(`${url}/api/events?token=${TOKEN}`)).status).toBe(401);
  });

  it('streams created, started and finished for a real build, in that order', async () => {
    const name = `events-${uniq()}`;
    await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\nRUN echo ${name}\n` });
    const sse = await openSse(`${url}/api/events`, bearer);
    expect(sse.status).toBe(200);
    try {
      const res = await fetch(`${url}/api/build`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify({ repo: `${git.url}/${name}.git` }),
      });
      expect(res.status).toBeLessThan(300);
      const { id } = (await res.json()) as { id: string };
      const mine = () => changes(sse.events).filter((c) => c.build.id === id);
      await sse.until(() => mine().some((c) => c.type === 'finished'), 120_000);
      expect(mine().map((c) => `${c.type}:${c.build.status}`)).toEqual(['created:queued', 'started:started', 'finished:passed']);
    } finally {
      sse.close();
    }
  }, 150_000);
});
