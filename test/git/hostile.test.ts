import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { nullLog } from '../../src/core/log.js';
import { createGit } from '../../src/git/cli.js';
import { gitEnv } from '../../src/git/env.js';
import { fetchArgs } from '../../src/git/fetch.js';
import { runGit } from '../../src/git/run.js';
import { checkRefName, checkRepoUrl, KNOWN_SCHEMES } from '../../src/git/url.js';
import { makeRepo } from '../helpers/fixture-repo.js';

/**
 * Inputs that would run `touch MARKER` if they reached git unguarded. Each layer is tested on its
 * own: validation refuses them, the adapter refuses them, and even argv + environment alone (no
 * validation) keep git from running them. A marker file that never appears is the proof.
 */
let tmp: string;
let marker: string;
let repo: string;

const hostileUrls = (): string[] => [
  `--upload-pack=touch ${marker}`,
  `-oProxyCommand=touch ${marker}`,
  `ssh://-oProxyCommand=touch%20${marker}/y`,
  `ssh://%2DoProxyCommand=touch%20${marker}/y`,
  `ext::sh -c touch% ${marker}`,
];
const hostileRefs = (): string[] => [`--upload-pack=touch ${marker}`, '--foo', '../../x', 'a\nb', 'a..b', 'x.lock'];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'roger-hostile-'));
  marker = join(tmp, 'pwned');
  repo = (await makeRepo(join(tmp, 'repo'), { 'a.txt': 'a\n' })).dir;
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function expectBadInput(fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(isRogerError(thrown, 'bad-input'), String(thrown)).toBe(true);
}

describe('hostile input', () => {
  it('is refused by validation', () => {
    for (const url of hostileUrls()) expectBadInput(() => checkRepoUrl(url, [...KNOWN_SCHEMES]));
    for (const ref of hostileRefs()) expectBadInput(() => checkRefName(ref));
    expectBadInput(() => checkRepoUrl('file:///etc', ['https', 'ssh']));
    expectBadInput(() => checkRepoUrl('gopher://example.com/x', [...KNOWN_SCHEMES, 'gopher']));
  });

  it('is refused by the adapter before git runs', async () => {
    const git = createGit();
    const attempts = [
      ...hostileUrls().map((url) => ({ url, ref: 'master' })),
      ...hostileRefs().map((ref) => ({ url: repo, ref })),
    ];
    for (const { url, ref } of attempts) {
      const dir = join(tmp, 'ws', String(Math.random()).slice(2));
      await expect(git.checkout({ url, ref, dir, log: nullLog })).rejects.toMatchObject({ kind: 'bad-input' });
      expect(existsSync(dir), 'no workspace is created for refused input').toBe(false);
    }
    for (const url of hostileUrls()) {
      await expect(git.defaultBranch(url)).rejects.toMatchObject({ kind: 'bad-input' });
    }
    expect(existsSync(marker)).toBe(false);
  });

  describe('without validation, argv and environment alone', () => {
    const env = (): NodeJS.ProcessEnv => gitEnv(process.env, { protocols: KNOWN_SCHEMES });

    async function fetchRaw(url: string, refspec: string, e = env()): Promise<number> {
      const cwd = await mkdtemp(join(tmp, 'raw-'));
      await runGit('git', ['init', '--quiet'], { cwd, env: e, secrets: [] });
      const res = await runGit('git', fetchArgs(url, refspec), { cwd, env: e, secrets: [] });
      return res.code;
    }

    it('keep every hostile URL and ref from running anything', async () => {
      for (const url of hostileUrls()) expect(await fetchRaw(url, 'refs/heads/master'), url).not.toBe(0);
      for (const ref of hostileRefs()) expect(await fetchRaw(repo, ref), JSON.stringify(ref)).not.toBe(0);
      expect(existsSync(marker)).toBe(false);
    });

    // Controls: the payloads are real, so the tests above prove something.
    it('control: ext:: runs its command when the protocol is allowed', async () => {
      const control = join(tmp, 'control-ext');
      const permissive = { ...env(), GIT_ALLOW_PROTOCOL: `${KNOWN_SCHEMES.join(':')}:ext` };
      await fetchRaw(`ext::sh -c touch% ${control}`, 'refs/heads/master', permissive);
      expect(existsSync(control)).toBe(true);
    });

    it('control: --upload-pack runs its command when it is read as an option', async () => {
      const control = join(tmp, 'control-upload-pack');
      const cwd = join(tmp, 'control-repo');
      await mkdir(cwd);
      await runGit('git', ['init', '--quiet'], { cwd, env: env(), secrets: [] });
      await runGit('git', ['fetch', `--upload-pack=touch ${control}`, repo], { cwd, env: env(), secrets: [] });
      expect(existsSync(control)).toBe(true);
    });
  });
});
