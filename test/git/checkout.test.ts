import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRogerError, type RogerError } from '../../src/core/errors.js';
import type { BuildLog } from '../../src/core/log.js';
import { createGit } from '../../src/git/cli.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { commitFiles, makeBareRepo, makeRepo } from '../helpers/fixture-repo.js';
import { selfSignedCert } from '../helpers/tls.js';

const exec = promisify(execFile);
const git = createGit();
const TOKEN = 'ghp_S3cretT0kenForRogerTests';
const TOKEN_B64 = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');

let tmp: string;
let pub: GitServer;
let priv: GitServer;
const sha: Record<string, string> = {};

function collect(): BuildLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (t) => lines.push(...t.split('\n')) };
}

async function failure(p: Promise<unknown>): Promise<RogerError> {
  try {
    await p;
  } catch (err) {
    if (isRogerError(err)) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

let n = 0;
const workspace = (): string => join(tmp, 'work', `ws${++n}`);

/** Every file under `dir`, .git included, so a secret written anywhere is found. */
async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'roger-git-test-'));
  const root = join(tmp, 'public');
  const app = await makeBareRepo(
    root,
    'app',
    { Dockerfile: 'FROM scratch\n', 'sub/file.txt': 'hello\n', link: { symlink: 'Dockerfile' } },
    {
      author: 'Jane Doe <jane@example.com>',
      message: 'Initial commit\n\nWith a body line.',
      date: '2020-01-02T03:04:05+0000',
      tag: 'v1.0',
    },
  );
  sha.v1 = app.sha;
  sha.feature = (await commitFiles(app.dir, { 'feature.txt': 'f\n' }, { branch: 'feature', message: 'Feature work ✓', author: 'Jürgen Ölsen <j@example.com>' })).sha;
  sha.master = (await commitFiles(app.dir, { 'later.txt': 'l\n' }, { message: 'Second on master' })).sha;
  // A branch and a tag sharing a name: the branch must win, as with `git clone --branch`.
  sha.bothBranch = (await commitFiles(app.dir, { 'b.txt': 'b\n' }, { branch: 'both', message: 'branch both' })).sha;
  sha.bothTag = (await commitFiles(app.dir, { 't.txt': 't\n' }, { branch: 'other', message: 'tag both', tag: 'both' })).sha;
  sha.main = (await makeBareRepo(root, 'mainrepo', { 'a.txt': 'a\n' }, { branch: 'main' })).sha;
  const headless = await makeBareRepo(root, 'headless', { 'a.txt': 'a\n' });
  await exec('git', ['symbolic-ref', 'HEAD', 'refs/heads/gone'], { cwd: headless.dir });
  pub = await startGitServer({ root });

  const privRoot = join(tmp, 'private');
  sha.secret = (await makeBareRepo(privRoot, 'secret', { Dockerfile: 'FROM scratch\n' }, { branch: 'main' })).sha;
  // Tokens only ever travel over https: the private server speaks TLS, trusted through GIT_SSL_CAINFO.
  const cert = selfSignedCert(tmp);
  process.env.GIT_SSL_CAINFO = cert.certFile;
  priv = await startGitServer({ root: privRoot, auth: { username: 'x-access-token', password: TOKEN }, tls: cert });
});

afterAll(async () => {
  await pub?.close();
  await priv?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('checkout over smart HTTP', () => {
  it('checks out a branch and reports the commit', async () => {
    const dir = workspace();
    const log = collect();
    const commit = await git.checkout({ url: `${pub.url}/app.git`, ref: 'master', dir, log });
    expect(commit.sha).toBe(sha.master);
    expect(commit.author).toBe('Roger Test <roger-test@example.com>');
    expect(commit.message).toBe('Second on master');
    expect(commit.date).toMatch(/^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4} [+-]\d{4}$/);
    expect(await readFile(join(dir, 'later.txt'), 'utf8')).toBe('l\n');
    expect(await readFile(join(dir, 'sub/file.txt'), 'utf8')).toBe('hello\n');
    // Symlinks stay symlinks; following them is the reader's decision.
    expect((await lstat(join(dir, 'link'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, 'link'))).toBe('Dockerfile');
    // Shallow: one commit of history only.
    const { stdout } = await exec('git', ['rev-list', '--count', 'HEAD'], { cwd: dir });
    expect(stdout.trim()).toBe('1');
    expect(log.lines.join('\n')).toContain(`From ${pub.url}/app`);
  });

  it('checks out an annotated tag at the tagged commit, with its fields', async () => {
    const commit = await git.checkout({ url: `${pub.url}/app.git`, ref: 'v1.0', dir: workspace(), log: collect() });
    expect(commit).toEqual({
      sha: sha.v1,
      author: 'Jane Doe <jane@example.com>',
      date: 'Thu Jan 2 03:04:05 2020 +0000',
      message: 'Initial commit\n\nWith a body line.',
      ref: 'v1.0',
      defaultBranch: 'master',
    });
  });

  it('checks out a non-default branch', async () => {
    const dir = workspace();
    const commit = await git.checkout({ url: `${pub.url}/app.git`, ref: 'feature', dir, log: collect() });
    expect(commit.sha).toBe(sha.feature);
    // Non-ASCII survives git running under LC_ALL=C.
    expect(commit.message).toBe('Feature work ✓');
    expect(commit.author).toBe('Jürgen Ölsen <j@example.com>');
    expect(await readFile(join(dir, 'feature.txt'), 'utf8')).toBe('f\n');
  });

  it('prefers a branch over a tag of the same name', async () => {
    const commit = await git.checkout({ url: `${pub.url}/app.git`, ref: 'both', dir: workspace(), log: collect() });
    expect(commit.sha).toBe(sha.bothBranch);
    expect(sha.bothTag).not.toBe(sha.bothBranch);
  });

  it('fails clearly for an unknown branch', async () => {
    const err = await failure(git.checkout({ url: `${pub.url}/app.git`, ref: 'nope', dir: workspace(), log: collect() }));
    expect(err.kind).toBe('build-failed');
    expect(err.message).toBe(`no branch or tag named 'nope' in ${pub.url}/app.git`);
  });

  it('fails clearly for an unknown repository', async () => {
    const err = await failure(git.checkout({ url: `${pub.url}/missing.git`, ref: 'master', dir: workspace(), log: collect() }));
    expect(err.kind).toBe('build-failed');
    expect(err.message).toMatch(/repository .*missing\.git not found.*: fatal: /);
  });
});

describe('private repositories', () => {
  it('authenticates with the token through http.extraHeader and leaves it nowhere', async () => {
    const dir = workspace();
    const log = collect();
    const before = priv.requests.length;
    const commit = await git.checkout({ url: `${priv.url}/secret.git`, ref: 'main', dir, token: TOKEN, log });
    expect(commit.sha).toBe(sha.secret);
    const seen = priv.requests.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    for (const r of seen) expect(r.authorization).toBe(`Basic ${TOKEN_B64}`);

    const files = await allFiles(dir);
    expect(files).toContain(join(dir, '.git', 'config'));
    for (const file of files) {
      const text = await readFile(file, 'latin1');
      expect(text, file).not.toContain(TOKEN);
      expect(text, file).not.toContain(TOKEN_B64);
    }
    expect(log.lines.join('\n')).not.toContain(TOKEN);
  });

  it('fails clearly with a wrong token, without echoing it', async () => {
    const wrong = 'ghp_wrongWrongWrong';
    const log = collect();
    const err = await failure(git.checkout({ url: `${priv.url}/secret.git`, ref: 'main', dir: workspace(), token: wrong, log }));
    expect(err.kind).toBe('build-failed');
    expect(err.message).toMatch(/^authentication to .*secret\.git failed/);
    expect(err.message).not.toContain(wrong);
    expect(log.lines.join('\n')).not.toContain(wrong);
  });

  it('fails clearly without a token instead of prompting', async () => {
    const err = await failure(git.checkout({ url: `${priv.url}/secret.git`, ref: 'main', dir: workspace(), log: collect() }));
    expect(err.kind).toBe('build-failed');
    expect(err.message).toMatch(/authentication .* failed.*terminal prompts disabled/);
  });
});

describe('checkout without the cache: the default branch', () => {
  it('checks out the default branch when no ref is named, and names it', async () => {
    const commit = await git.checkout({ url: `${pub.url}/mainrepo.git`, dir: workspace(), log: collect() });
    expect(commit).toMatchObject({ sha: sha.main, ref: 'main', defaultBranch: 'main' });
  });

  it('reports the default branch beside a named ref', async () => {
    expect(await git.checkout({ url: `${pub.url}/app.git`, ref: 'feature', dir: workspace(), log: collect() })).toMatchObject({
      sha: sha.feature,
      ref: 'feature',
      defaultBranch: 'master',
    });
  });
});

describe('defaultBranch', () => {
  it('reads the remote HEAD', async () => {
    expect(await git.defaultBranch(`${pub.url}/app.git`)).toBe('master');
    expect(await git.defaultBranch(`${pub.url}/mainrepo.git`)).toBe('main');
  });

  it('uses the token for private repositories', async () => {
    expect(await git.defaultBranch(`${priv.url}/secret.git`, { token: TOKEN })).toBe('main');
    const err = await failure(git.defaultBranch(`${priv.url}/secret.git`));
    expect(err.kind).toBe('build-failed');
  });

  it('is undefined when the remote HEAD points nowhere', async () => {
    expect(await git.defaultBranch(`${pub.url}/headless.git`)).toBeUndefined();
  });

  it('fails clearly for a missing repository', async () => {
    const err = await failure(git.defaultBranch(`${pub.url}/missing.git`));
    expect(err.kind).toBe('build-failed');
  });
});

describe('local repositories (file scheme)', () => {
  it('checks out from a plain path, a file:// URL and a bare repository', async () => {
    const src = await makeRepo(join(tmp, 'local-src'), { 'x.txt': 'x\n' }, { branch: 'dev', message: 'local' });
    const a = await git.checkout({ url: src.dir, ref: 'dev', dir: workspace(), log: collect() });
    expect(a.sha).toBe(src.sha);
    const b = await git.checkout({ url: `file://${src.dir}`, ref: 'dev', dir: workspace(), log: collect() });
    expect(b.sha).toBe(src.sha);
    const c = await git.checkout({ url: join(tmp, 'public', 'app.git'), ref: 'feature', dir: workspace(), log: collect() });
    expect(c.sha).toBe(sha.feature);
    expect(await git.defaultBranch(src.dir)).toBe('dev');
  });

  it('refuses file URLs when the adapter is limited to other schemes', async () => {
    const limited = createGit({ allowedSchemes: ['https'] });
    const err = await failure(limited.checkout({ url: join(tmp, 'public', 'app.git'), ref: 'master', dir: workspace(), log: collect() }));
    expect(err.kind).toBe('bad-input');
  });
});

describe('process control', () => {
  it('kills git when the signal aborts', async () => {
    // Accepts connections and never answers, so only the signal can end the fetch.
    const hang = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const { port } = hang.address() as AddressInfo;
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      const err = await failure(
        git.checkout({ url: `http://127.0.0.1:${port}/x.git`, ref: 'master', dir: workspace(), log: collect(), signal: controller.signal }),
      );
      expect(err.kind).toBe('canceled');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
  });

  it('does not start git when the signal is already aborted', async () => {
    const err = await failure(
      git.checkout({ url: `${pub.url}/app.git`, ref: 'master', dir: workspace(), log: collect(), signal: AbortSignal.abort() }),
    );
    expect(err.kind).toBe('canceled');
  });

  it('reports a missing git binary as a system error', async () => {
    const broken = createGit({ gitBinary: join(tmp, 'no-such-git') });
    const err = await failure(broken.checkout({ url: `${pub.url}/app.git`, ref: 'master', dir: workspace(), log: collect() }));
    expect(err.kind).toBe('system');
    expect(err.message).toMatch(/git is not installed/);
  });
});
