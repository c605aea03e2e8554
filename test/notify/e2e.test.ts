import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RunningServer } from '../../src/main/server.js';
import { githubRequest, pushToMaster, rewriteRepo } from '../github/fixtures.js';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { BASE, inRegistry } from '../helpers/pipeline.js';
import { getJson, waitFor } from '../helpers/server.js';
import { startLocalSes, type LocalSes } from './local-ses.js';

const SECRET = 'notify-e2e-webhook-secret';
const SES_SECRET = 'notify-e2e-ses-secret-9f8e7d';

/**
 * The announcement's example: a repository whose build.yml says `notify: [emailSes]`, pushed to
 * GitHub (a signed webhook), built on the real engine and registry, and the email arriving at a
 * local SES with Roger's subject, to the listed address and the committer.
 */
describe('emailSes end to end', () => {
  let git: GitServer;
  let ses: LocalSes;
  let server: RunningServer;
  let url: string;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-notify-e2e-'));
    git = await startGitServer({ root });
    ses = await startLocalSes();
    const { config } = testConfig(
      [
        'app:\n  url: http://roger.test:8080\n  port: 0',
        'builds:\n  allowedSchemes: [https, http]',
        `github:\n  webhookSecret: ${SECRET}`,
        'notifications:',
        `  emailSes:\n    accessKey: AKIAE2E\n    secret: ${SES_SECRET}\n    region: eu-west-1\n    endpoint: ${ses.url}\n    from: roger@example.com\n    to: [someone@example.com, committer]`,
      ].join('\n') + '\n',
    );
    server = await createServer(config, pino({ level: 'silent' }));
    url = `http://127.0.0.1:${(await server.listen()).port}`;
  });
  afterAll(async () => {
    await server?.close(5_000);
    await git?.close();
    ses?.close();
  });

  it('a signed push of a notify: [emailSes] project builds, pushes and emails the list and the committer', async () => {
    const name = `notify-ses-${uniq()}`;
    const { sha } = await makeBareRepo(
      join(root, 'octo'),
      name,
      { Dockerfile: `FROM ${BASE}\nRUN echo ${name}\n`, 'build.yml': `${name}:\n  notify: [emailSes]\n` },
      { author: 'Grace Hopper <grace@example.com>' },
    );
    const payload = rewriteRepo(pushToMaster(), `${git.url}/octo/${name}.git`);
    Object.assign(payload, { ref: 'refs/heads/master', after: sha, head_commit: { id: sha } });
    const req = await githubRequest('push', payload, { secret: SECRET });
    const res = await fetch(`${url}/public/api/hooks/github`, { method: 'POST', headers: req.headers, body: req.body });
    expect(res.status).toBe(202);
    const id = String(((await res.json()) as { id: string }).id);

    const build = await waitFor(async () => {
      const b = (await getJson<{ build: { status: string; id: string } }>(`${url}/api/builds/${id}`)).body.build;
      return b.status !== 'queued' && b.status !== 'started' && b;
    }, 90_000, 'the build to finish');
    expect(build.status).toBe('passed');
    expect(await inRegistry(name, 'latest')).toBe(true);

    const [email] = await waitFor(async () => {
      const inbox = (await ses.inbox()).filter((e) => e.subject.startsWith(`[${name}:`));
      return inbox.length > 0 && inbox;
    }, 20_000, 'the email at the local SES');
    expect(email).toMatchObject({
      from: 'roger@example.com',
      destination: { to: ['someone@example.com', 'grace@example.com'] },
      subject: `[${name}:master] BUILD PASSED`,
      body: { text: `You can check the build output at http://roger.test:8080/builds/${id}` },
    });

    const listed = await waitFor(async () => {
      const { body } = await getJson<{ notifications: { notifier: string; ok: boolean; attempt: number; detail: string }[] }>(`${url}/api/builds/${id}/notifications`);
      return body.notifications.length > 0 && body.notifications;
    }, 10_000, 'the notification record');
    expect(listed.map((n) => [n.notifier, n.attempt, n.ok])).toEqual([['emailSes', 1, true]]);
    const log = await (await fetch(`${url}/api/builds/${id}/log`)).text();
    expect(log).toMatch(/Notified emailSes \(.* passed\): sent through SES to 2 recipient\(s\)/);
    const config = await (await fetch(`${url}/api/config`)).text();
    expect(config + log + JSON.stringify(listed)).not.toContain(SES_SECRET);
    expect((await fetch(`${url}/api/builds/nope/notifications`)).status).toBe(404);
  });
});
