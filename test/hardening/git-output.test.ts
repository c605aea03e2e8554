import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGit, GIT_LOG_LIMIT } from '../../src/git/cli.js';
import { MAX_MESSAGE } from '../../src/git/commit.js';
import { lineSplitter, MAX_LINE } from '../../src/git/lines.js';
import { LogBudget, MAX_CAPTURE, runGit } from '../../src/git/run.js';
import { createLineLog, MAX_LOG_LINE } from '../../src/logs/line-log.js';
import { makeRepo } from '../helpers/fixture-repo.js';

const exec = promisify(execFile);
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'roger-git-output-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Runs `script` with sh through runGit: the same reading of a child's output, any output wanted. */
function runSh(script: string, opts: { capture?: boolean; budget?: LogBudget; lines?: string[] } = {}) {
  const lines = opts.lines ?? [];
  return runGit('sh', ['-c', script], {
    cwd: tmp,
    env: process.env,
    secrets: [],
    captureStdout: opts.capture,
    budget: opts.budget,
    log: { write: (t) => void lines.push(t) },
  });
}

describe('output read from git', () => {
  it('cuts a line at MAX_LINE and drops the rest of it, whatever the chunking', () => {
    const out: string[] = [];
    const split = lineSplitter((l) => out.push(l), 10);
    for (const c of ['ab', 'cdefghijkl', 'mnop', 'qrs\nne', 'xt\r', 'x'.repeat(25), '\nlast']) split.push(c);
    split.end();
    expect(out).toEqual(['abcdefghij [line cut at 10 characters]', 'next', `${'x'.repeat(10)} [line cut at 10 characters]`, 'last']);
  });

  it('keeps at most MAX_CAPTURE of captured stdout and says it was truncated', async () => {
    const r = await runSh('head -c 50000000 /dev/zero | tr "\\0" y', { capture: true });
    expect(r.code).toBe(0);
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBe(MAX_CAPTURE);
  });

  it('keeps the last stderr lines and logs git output within the budget', async () => {
    const lines: string[] = [];
    const budget = new LogBudget(1024 * 1024);
    const r = await runSh('yes "remote: flooding the log" | head -n 400000 >&2; echo "fatal: the real reason" >&2; exit 1', { budget, lines });
    expect(r.code).toBe(1);
    expect(r.stderr.length).toBeLessThanOrEqual(100);
    expect(r.stderr.at(-1)).toBe('fatal: the real reason');
    expect(lines.at(-1)).toBe('git output truncated: more than 1 MB, the rest is not logged');
    expect(lines.join('\n').length).toBeLessThan(1024 * 1024 + 100);
    // The budget is shared: a second command logs nothing more.
    const more: string[] = [];
    await runSh('echo hello >&2', { budget, lines: more });
    expect(more).toEqual([]);
  });

  it('logs a newline-free stream as one cut line', async () => {
    const lines: string[] = [];
    await runSh('head -c 20000000 /dev/zero | tr "\\0" z >&2', { lines });
    expect(lines).toEqual([`${'z'.repeat(MAX_LINE)} [line cut at ${MAX_LINE} characters]`]);
  });

  it('reads an 8 MB one-line commit message as its first 64 KiB', async () => {
    const { dir } = await makeRepo(join(tmp, 'repo'), { 'a.txt': 'a\n' });
    await writeFile(join(tmp, 'msg'), Buffer.alloc(8 * 1024 * 1024, 'm'));
    const git = async (...args: string[]) => (await exec('git', args, { cwd: dir })).stdout.trim();
    const sha = await git('-c', 'user.name=A', '-c', 'user.email=a@b', 'commit-tree', await git('rev-parse', 'HEAD^{tree}'), '-F', join(tmp, 'msg'));
    await git('update-ref', 'refs/heads/master', sha);
    const lines: string[] = [];
    const commit = await createGit().checkout({ url: dir, ref: 'master', dir: join(tmp, 'ws'), log: { write: (t) => void lines.push(t) } });
    expect(commit.sha).toBe(sha);
    expect(commit.message).toBe(`${'m'.repeat(MAX_MESSAGE)}\n[commit message cut at 64 KiB]`);
    expect(lines.join('\n').length).toBeLessThan(GIT_LOG_LIMIT);
  });
});

describe('the build log', () => {
  const log = (lines: string[], mask?: (t: string) => string) =>
    createLineLog((l) => lines.push(l), { mask, now: () => new Date(0) });

  it('cuts lines at MAX_LOG_LINE', () => {
    const lines: string[] = [];
    log(lines).write(`short\n${'q'.repeat(MAX_LOG_LINE + 5000)}\nend`);
    expect(lines).toEqual([
      '1970-01-01T00:00:00.000Z short\n',
      `1970-01-01T00:00:00.000Z ${'q'.repeat(MAX_LOG_LINE)} [line cut: 5000 more characters not logged]\n`,
      '1970-01-01T00:00:00.000Z end\n',
    ]);
  });

  it('cuts a huge write before masking it, and still masks a secret across the cut', () => {
    const lines: string[] = [];
    const secret = 'ghp_secretsecretsecret';
    // The secret starts 5 characters before the 4 MB cut of one write; 20 MB follow it.
    const text = `${`${'a'.repeat(99)}\n`.repeat(41_942)}${'c'.repeat(99)}${secret}${'b'.repeat(20_000_000)}`;
    const started = Date.now();
    log(lines, (t) => t.split(secret).join('*****')).write(text);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(lines.join('')).not.toContain('ghp_s');
    expect(lines.length).toBe(41_943);
    expect(lines.at(-1)).toMatch(/c{99}\*{5}b* \[cut: more than 4 MB in one write\]\n$/);
  });

  it('masks URL credentials in linear time, even in a line of `a.a.a.…`', () => {
    const lines: string[] = [];
    const started = Date.now();
    log(lines).write(`${'a.'.repeat(60_000)} https://user:pw@host/x`);
    expect(Date.now() - started).toBeLessThan(500);
    expect(lines[0]).toContain('https://*****@host/x');
  });
});
