import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeConfig } from '../helpers/config.js';
import { getJson, startServer } from '../helpers/server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const TOKEN = 'startup-token-2468';

describe('roger serve: webhooks may not undo the API tokens', () => {
  it('refuses to start with app.auth.tokens and no github.webhookSecret, naming both keys (exit 2)', async () => {
    const { file } = writeConfig(`app:\n  auth:\n    tokens: [${TOKEN}]\n`);
    const failure = await startServer(file).then(
      async (s) => {
        await s.stop();
        return 'started';
      },
      (err: unknown) => String(err),
    );
    expect(failure).toMatch(/server exited with 2/);
    expect(failure).toContain('app.auth.tokens is set but github.webhookSecret is not');
    expect(failure).toContain('github.allowUnsigned: true');
    expect(failure).not.toContain('Roger running');
  });

  it('starts with github.allowUnsigned: true, and says so in the log and to the UI', async () => {
    const { file } = writeConfig(`app:\n  auth:\n    tokens: [${TOKEN}]\ngithub:\n  allowUnsigned: true\n`);
    const server = await startServer(file);
    try {
      expect(server.output()).toContain('github.allowUnsigned is true and github.webhookSecret is not set');
      expect((await fetch(`${server.url}/api/server`)).status).toBe(401);
      const info = await getJson<{ warnings: string[] }>(`${server.url}/api/server`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(info.body.warnings).toEqual([expect.stringContaining('github.allowUnsigned is true')]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('open by default: a loud warning at start and in GET /api/server; none with tokens and a secret', async () => {
    const open = await startServer(writeConfig('').file);
    try {
      expect(open.output()).toMatch(/"level":40[^\n]*Roger is open: no app.auth.tokens and no github.webhookSecret/);
      const info = await getJson<{ warnings: string[] }>(`${open.url}/api/server`);
      expect(info.body.warnings).toEqual([expect.stringMatching(/^Roger is open/)]);
    } finally {
      expect(await open.stop()).toBe(0);
    }
    const closed = await startServer(writeConfig(`app:\n  auth:\n    tokens: [${TOKEN}]\ngithub:\n  webhookSecret: startup-secret\n`).file);
    try {
      expect(closed.output()).not.toMatch(/Roger is open|allowUnsigned is true/);
      const info = await getJson<{ warnings: string[] }>(`${closed.url}/api/server`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(info.body.warnings).toEqual([]);
    } finally {
      expect(await closed.stop()).toBe(0);
    }
  });
});

const adminUrl = process.env.ROGER_TEST_PG;

describe.skipIf(!adminUrl)('roger serve: database.url passwords stay out of /api/config and the log', () => {
  let testDb: TestDatabase | undefined;
  let db = '';
  const admin = new URL(adminUrl!);
  // Characters a URL must encode, to show both the written and the decoded form stay hidden.
  const password = `Pw@${randomBytes(6).toString('hex')}/#x`;
  const encoded = encodeURIComponent(password);
  const leaks = (text: string) => [password, encoded, password.slice(3, 15)].filter((p) => text.includes(p));
  /**
   * The test database's own role cannot be given a new password here, so the URL's userinfo carries
   * the distinctive password and a `password=` parameter (which pg prefers) the one that connects.
   */
  const url = (userinfoPassword: string, query = `?password=${encodeURIComponent(decodeURIComponent(admin.password))}`) =>
    `postgres://${admin.username}:${userinfoPassword}@${admin.host}/${db}${query}`;

  beforeAll(async () => {
    testDb = await createTestDatabase(adminUrl!, 'roger_mask');
    db = testDb.name;
  });
  afterAll(() => testDb?.drop());

  it('masks the password in the configuration logged at start and in GET /api/config', async () => {
    const server = await startServer(writeConfig(`database:\n  url: '${url(encoded)}'\n`).file);
    try {
      const config = await (await fetch(`${server.url}/api/config`)).text();
      expect(config).toContain(`postgres://${admin.username}:*****@${admin.host}/${db}?password=*****`);
      expect(leaks(config)).toEqual([]);
      expect(server.output()).toContain(`${admin.username}:*****@`);
      expect(leaks(server.output())).toEqual([]);
    } finally {
      expect(await server.stop()).toBe(0);
      expect(leaks(server.output())).toEqual([]);
    }
  });

  it.each([
    ['a wrong password', () => url(encoded, '')],
    ['a wrong password as a query parameter', () => `postgres://${admin.username}@${admin.host}/${db}?password=${encoded}`],
  ])('keeps %s out of the start-up error', async (_name, dbUrl) => {
    const failure = await startServer(writeConfig(`database:\n  url: '${dbUrl()}'\n`).file).then(
      async (s) => (await s.stop(), 'started'),
      (err: unknown) => String(err),
    );
    expect(failure).toMatch(/server exited with 1[\s\S]*cannot open the Postgres database/);
    expect(leaks(failure)).toEqual([]);
  });

  it('refuses a password written unencoded, which the driver would read as part of the host (exit 2)', async () => {
    const failure = await startServer(writeConfig(`database:\n  url: '${url(password, '')}'\n`).file).then(
      async (s) => (await s.stop(), 'started'),
      (err: unknown) => String(err),
    );
    expect(failure).toMatch(/server exited with 2[\s\S]*database.url: percent-encode the password/);
    expect(leaks(failure)).toEqual([]);
  });
});
