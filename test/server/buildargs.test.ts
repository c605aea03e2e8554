import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlBackend } from '../../src/store/open.js';
import { createSqlStore } from '../../src/store/sql-store.js';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';
import { backendCases, useStore } from '../store/backends.js';

const secret = (): string => `tok-${randomBytes(12).toString('hex')}`;
const sha16 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** Files under `dir` (recursively) whose bytes contain `needle`. */
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes?.includes(Buffer.from(needle))) found.push(path);
  }
  return found;
}

const rawOptions = async (backend: Awaited<ReturnType<typeof openSqlBackend>>, id: string): Promise<string> =>
  (await backend.db.selectFrom('builds').select('options').where('id', '=', id).executeTakeFirstOrThrow()).options;

describe.each(backendCases)('build-arg values leave the store with the queue ($name)', (c) => {
  const ctx = useStore(c);

  it('a claim hands the values over and stores the names only', async () => {
    const { store, backend } = ctx();
    const value = secret();
    const { build } = await store.createBuild({ repo: 'https://h/o/r', branch: 'master', trigger: 'api', options: { nocache: true, buildargs: { NPM_TOKEN: value, MODE: 'ci' } } });
    expect(await rawOptions(backend, build.id)).toContain(value);
    const claimed = await store.claimNext(null);
    expect(claimed?.options.buildargs).toEqual({ NPM_TOKEN: value, MODE: 'ci' });
    const stored = await rawOptions(backend, build.id);
    expect(stored).not.toContain(value);
    expect(JSON.parse(stored)).toEqual({ nocache: true, buildargNames: ['NPM_TOKEN', 'MODE'] });
    expect((await store.getBuild(build.id))?.options).toEqual({ nocache: true, buildargNames: ['NPM_TOKEN', 'MODE'] });
    // Sibling projects copy the stored options: names only.
    const [sibling] = await store.addSiblings(build.groupId, ['https://h/o/r__other']);
    expect(sibling?.options.buildargs).toBeUndefined();
  });

  it('a queued build canceled before it ran keeps no values either', async () => {
    const { store, backend } = ctx();
    const value = secret();
    const { build } = await store.createBuild({ repo: 'https://h/o/r', branch: 'master', trigger: 'api', options: { buildargs: { KEY: value } } });
    await store.updateBuild(build.id, { status: 'canceled', error: 'canceled by request', finishedAt: new Date().toISOString() });
    expect(await rawOptions(backend, build.id)).not.toContain(value);
    // Other updates leave the options alone.
    const other = (await store.createBuild({ repo: 'https://h/o/r2', branch: 'master', trigger: 'api', options: { buildargs: { KEY: value } } })).build;
    await store.updateBuild(other.id, { commit: 'abc' });
    expect(await rawOptions(backend, other.id)).toContain(value);
  });
});

describe('the SQLite file after a build started', () => {
  it('holds no byte of the value, in the database or its write-ahead log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roger-buildargs-'));
    const backend = await openSqlBackend(`sqlite:${join(dir, 'roger.db')}`, { dataDir: dir });
    const store = createSqlStore(backend);
    try {
      const value = secret();
      // Some history first, so the row shares pages with others.
      for (let i = 0; i < 20; i++) await store.createBuild({ repo: `https://h/o/r${i}`, branch: 'master', trigger: 'api', options: {} });
      for (let i = 0; i < 20; i++) await store.claimNext(null);
      await store.createBuild({ repo: 'https://h/o/secret', branch: 'master', trigger: 'api', options: { buildargs: { TOKEN: value } } });
      expect((await filesHolding(dir, value)).length).toBeGreaterThan(0);
      expect((await store.claimNext(null))?.options.buildargs?.TOKEN).toBe(value);
      expect(await filesHolding(dir, value)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('build args through the real server and engine', () => {
  let server: ServerProcess;
  let repo: string;
  let dataDir: string;
  const name = `buildargs-${uniq()}`;

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'roger-buildargs-repo-'));
    repo = (
      await makeBareRepo(root, name, {
        // The hash of the value proves the build received it without printing it.
        Dockerfile: `FROM ${BASE}\nARG SECRET_TOKEN\nRUN echo "arg-hash $(printf %s "$SECRET_TOKEN" | sha256sum | cut -c1-16)" && sleep 2\n`,
        'build.yml': `${name}: {}\n`,
      })
    ).dir;
    const { file, dir } = testConfig(`builds:\n  concurrent: 1\n  allowedSchemes: [https, file]\n`);
    dataDir = join(dir, 'builds');
    server = await startServer(file);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  const request = (value: string) =>
    getJson<{ id: string }>(`${server.url}/api/build`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repo: `file://${repo}`, branch: 'master', options: { nocache: true, buildargs: { SECRET_TOKEN: value } } }),
    });
  const settled = (id: string) =>
    waitFor(async () => {
      const { body } = await getJson<{ build: { status: string; options: Record<string, unknown> } }>(`${server.url}/api/builds/${id}`);
      return ['passed', 'failed', 'canceled'].includes(body.build.status) ? body.build : undefined;
    });

  it('builds with the value, keeps it nowhere on disk once started, and refuses a rebuild without it', async () => {
    const first = secret();
    const second = secret();
    const a = (await request(first)).body.id;
    await waitFor(async () => (await getJson<{ build: { status: string } }>(`${server.url}/api/builds/${a}`)).body.build.status === 'started');
    const b = (await request(second)).body.id;
    // The second waits in the queue behind the first: its value is still stored, the first's is not.
    expect((await getJson<{ build: { status: string } }>(`${server.url}/api/builds/${b}`)).body.build.status).toBe('queued');
    expect(await filesHolding(dataDir, first)).toEqual([]);
    expect((await filesHolding(dataDir, second)).length).toBeGreaterThan(0);

    const [doneA, doneB] = [await settled(a), await settled(b)];
    expect(doneA.status).toBe('passed');
    expect(doneB.status).toBe('passed');
    expect(doneA.options).toEqual({ nocache: true, buildargs: { SECRET_TOKEN: '*****' } });
    const logA = await fetch(`${server.url}/api/builds/${a}/log`).then((r) => r.text());
    const logB = await fetch(`${server.url}/api/builds/${b}/log`).then((r) => r.text());
    expect(logA).toContain(`arg-hash ${sha16(first)}`);
    expect(logB).toContain(`arg-hash ${sha16(second)}`);
    expect(logA + logB).not.toContain(first);
    expect(logA + logB).not.toContain(second);
    expect(await filesHolding(dataDir, first)).toEqual([]);
    expect(await filesHolding(dataDir, second)).toEqual([]);

    const rebuild = await getJson<{ message: string }>(`${server.url}/api/builds/${a}/rebuild`, { method: 'POST' });
    expect(rebuild.status).toBe(400);
    expect(rebuild.body.message).toMatch(/build args \(SECRET_TOKEN\) whose values were not kept.*request a new build/);
  });
});
