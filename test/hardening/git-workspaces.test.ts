import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEngine } from '../../src/engine/fake.js';
import { createGit } from '../../src/git/cli.js';
import { createLineLog } from '../../src/logs/line-log.js';
import { createBuildRunner } from '../../src/main/runner.js';
import { KeyedLock } from '../../src/core/keyed-lock.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { WORKSPACE_MARK, workspaceOf } from '../../src/pipeline/workspace.js';
import { removeStaleWorkspaces } from '../../src/runner/housekeeping.js';
import { openStore } from '../../src/store/open.js';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, readUntil, startServer, waitFor } from '../helpers/server.js';

const silent = pino({ level: 'silent' });
let tmp: string;
let repo: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'roger-workspaces-'));
  repo = (await makeBareRepo(join(tmp, 'repos'), 'app', { 'build.yml': 'app: {}\n', Dockerfile: 'FROM scratch\n' })).dir;
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The pid of a process that has exited (so a mark naming it is stale). */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

/** A directory with a file in it, as any user's data would be. */
async function precious(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'keep.txt'), 'precious\n');
  return join(dir, 'keep.txt');
}

const mark = (m: { pid: number; host?: string; run?: string }): string =>
  JSON.stringify({ pid: m.pid, host: m.host ?? hostname(), run: m.run ?? 'an-earlier-process' });

async function pipeline(workDir: string) {
  const { config } = testConfig('builds:\n  allowedSchemes: [file]\n');
  const lines: string[] = [];
  const result = await runPipeline(
    { engine: new FakeEngine(), git: createGit({ allowedSchemes: ['file'] }), config, pushLock: new KeyedLock() },
    { repo, ref: 'master', options: {}, workDir, log: createLineLog((l) => lines.push(l)), signal: new AbortController().signal },
  );
  return { ...result, log: lines.join('') };
}

describe('workspaces: only what Roger created is ever removed', () => {
  it('a build creates its marked workspace and removes it afterwards', async () => {
    const workDir = join(tmp, 'builds-a', 'workspaces', 'b1');
    const r = await pipeline(workDir);
    expect(r.failure, r.log).toBeUndefined();
    expect(existsSync(workDir)).toBe(false);
  });

  it('a build never adopts or removes a path that was already there, directory or symlink', async () => {
    const ws = join(tmp, 'builds-b', 'workspaces');
    const existing = await precious(join(ws, 'taken'));
    const r1 = await pipeline(join(ws, 'taken'));
    expect(r1.failure?.message).toMatch(/cannot create the workspace .*EEXIST/);
    expect(await readFile(existing, 'utf8')).toBe('precious\n');

    const outside = await precious(join(tmp, 'outside-b'));
    await symlink(join(tmp, 'outside-b'), join(ws, 'link'));
    const r2 = await pipeline(join(ws, 'link'));
    expect(r2.failure?.message).toMatch(/cannot create the workspace/);
    expect((await lstat(join(ws, 'link'))).isSymbolicLink()).toBe(true);
    expect(await readFile(outside, 'utf8')).toBe('precious\n');
  });

  it('at start-up removes the workspaces of dead processes and nothing else', async () => {
    const builds = join(tmp, 'builds-c');
    const ws = join(builds, 'workspaces');
    const put = async (name: string, content: string): Promise<string> => {
      await mkdir(join(ws, name), { recursive: true });
      await writeFile(join(ws, name, WORKSPACE_MARK), content);
      await precious(join(ws, name, 'src'));
      return join(ws, name);
    };
    const live = spawn('sleep', ['60']);
    try {
      const dead = await put('dead', mark({ pid: await deadPid() }));
      // A restarted container's Roger has the pid of the one before it.
      const samePid = await put('same-pid', mark({ pid: process.pid }));
      const kept = [
        await put('live', mark({ pid: live.pid! })),
        await put('other-host', mark({ pid: await deadPid(), host: 'elsewhere.example' })),
        await put('garbled', 'not json'),
      ];
      const plain = await precious(join(ws, 'no-mark'));
      // A symlink to a directory that even carries a stale mark: not followed, not removed.
      const outside = join(tmp, 'outside-c');
      await precious(join(outside, 'src'));
      await writeFile(join(outside, WORKSPACE_MARK), mark({ pid: await deadPid() }));
      await symlink(outside, join(ws, 'link'));
      // A real directory whose mark is a symlink to a stale mark: not Roger's.
      await precious(join(ws, 'mark-link'));
      await symlink(join(outside, WORKSPACE_MARK), join(ws, 'mark-link', WORKSPACE_MARK));
      await writeFile(join(ws, 'a-file'), 'x');

      await removeStaleWorkspaces(builds, silent);

      expect(existsSync(dead)).toBe(false);
      expect(existsSync(samePid)).toBe(false);
      for (const dir of kept) expect(existsSync(join(dir, 'src', 'keep.txt')), dir).toBe(true);
      expect(existsSync(plain)).toBe(true);
      expect((await lstat(join(ws, 'link'))).isSymbolicLink()).toBe(true);
      expect(existsSync(join(outside, 'src', 'keep.txt'))).toBe(true);
      expect(existsSync(join(ws, 'mark-link', 'keep.txt'))).toBe(true);
      expect(existsSync(join(ws, 'a-file'))).toBe(true);
    } finally {
      live.kill();
    }
  });

  it('a real server killed mid-build leaves its workspace, which the next start removes, and nothing else', async () => {
    const { file, dir } = testConfig('builds:\n  allowedSchemes: [file]\n');
    const ws = join(dir, 'builds', 'workspaces');
    const planted = await precious(join(ws, 'planted'));
    const outside = await precious(join(tmp, 'outside-d'));
    await symlink(join(tmp, 'outside-d'), join(ws, 'link'));
    const name = `ws-${uniq()}`;
    const slow = (await makeBareRepo(join(tmp, 'repos'), name, { Dockerfile: `FROM ${BASE}\nRUN echo started-${name} && sleep 30\n`, 'build.yml': `${name}: {}\n` })).dir;

    const first = await startServer(file);
    const id = (await getJson<{ id: string }>(`${first.url}/api/build?repo=${encodeURIComponent(slow)}`)).body.id;
    await readUntil(`${first.url}/api/builds/${id}/log`, `started-${name}`);
    const workspace = workspaceOf(join(dir, 'builds'), { id, attempt: 1 });
    expect(existsSync(join(workspace, WORKSPACE_MARK))).toBe(true);
    await first.kill9();
    expect(existsSync(workspace)).toBe(true);

    const second = await startServer(file);
    try {
      expect(existsSync(workspace)).toBe(false);
      expect(await readFile(planted, 'utf8')).toBe('precious\n');
      expect((await lstat(join(ws, 'link'))).isSymbolicLink()).toBe(true);
      expect(await readFile(outside, 'utf8')).toBe('precious\n');
    } finally {
      await second.stop();
    }
  });

  it('the next attempt of a build whose process was killed mid-build runs, beside the workspace it left', async () => {
    const { config } = testConfig('builds:\n  allowedSchemes: [file]\ndocker:\n  fake:\n    delayMs: 0\n');
    const store = await openStore(null, { dataDir: config.paths.builds });
    const { build } = await store.createBuild({ repo: `file://${repo}`, branch: 'master', trigger: 'api', options: {}, commit: null });
    // Attempt 1 was claimed by a process that was killed after creating its workspace: the directory
    // stays, marked by a process that no longer runs, and nothing swept it (no process started since).
    await store.claimNext(null, { lease: { owner: `server:${config.agent.name}`, seconds: 30 } });
    const left = workspaceOf(config.paths.builds, { id: build.id, attempt: 1 });
    await mkdir(left, { recursive: true });
    await writeFile(join(left, WORKSPACE_MARK), mark({ pid: await deadPid() }));
    await precious(join(left, 'src'));
    const runner = createBuildRunner({ config, store, log: silent });
    await runner.start();
    try {
      const done = await waitFor(async () => {
        const b = await store.getBuild(build.id);
        return b && b.status !== 'queued' && b.status !== 'started' ? b : undefined;
      }, 60_000, 'the build to run again');
      expect(done, JSON.stringify(done)).toMatchObject({ status: 'passed', attempt: 2 });
      // The dead process's workspace is gone with it; the second attempt's own is removed as usual.
      expect(existsSync(left)).toBe(false);
      expect(existsSync(workspaceOf(config.paths.builds, done))).toBe(false);
    } finally {
      await runner.stop(5_000);
      await store.close();
    }
  });

  it('a missing workspaces directory is fine', async () => {
    await expect(removeStaleWorkspaces(join(tmp, 'nothing-here'), silent)).resolves.toBeUndefined();
  });
});

describe('the runner\'s git adapter enforces builds.allowedSchemes itself', () => {
  it('fails a stored build whose URL scheme is not allowed, without running git', async () => {
    const { config } = testConfig('builds:\n  allowedSchemes: [https]\n');
    const store = await openStore(null, { dataDir: config.paths.builds });
    // Stored directly, as a build queued under an older config would be: no request-time check ran.
    const { build } = await store.createBuild({ repo, branch: 'master', trigger: 'api', options: {}, commit: null });
    const runner = createBuildRunner({ config, store, log: silent });
    runner.scheduler.start();
    try {
      const done = await waitFor(async () => {
        const b = await store.getBuild(build.id);
        return b && b.status !== 'queued' && b.status !== 'started' ? b : undefined;
      }, 60_000);
      expect(done.status).toBe('failed');
      expect(done.error).toMatch(/scheme 'file' is not allowed \(allowed: https\)/);
      expect(done.commit).toBeNull();
      expect(existsSync(workspaceOf(config.paths.builds, build))).toBe(false);
      // The same for the default-branch lookup, the adapter's other way to reach a remote.
      const git = createGit({ allowedSchemes: config.builds.allowedSchemes });
      await expect(git.defaultBranch(repo)).rejects.toMatchObject({ kind: 'bad-input' });
      await expect(git.defaultBranch(`ssh://git@127.0.0.1:1/x.git`)).rejects.toThrow(/scheme 'ssh' is not allowed/);
    } finally {
      await runner.scheduler.stop(5_000);
      await store.close();
    }
  });
});
