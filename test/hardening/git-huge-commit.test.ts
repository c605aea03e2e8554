import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE } from '../../src/git/commit.js';
import { MAX_LOG_LINE } from '../../src/logs/line-log.js';
import { testConfig, uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';

const exec = promisify(execFile);
/** One line, no newline: git prints it whole, Roger must not hold it whole. */
const MESSAGE_BYTES = 100 * 1024 * 1024;

/** Peak resident memory of a process (VmHWM), in MB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  return Number(kb) / 1024;
}

describe('a HEAD commit whose message is one 100 MB line', () => {
  let tmp: string;
  let server: ServerProcess;
  let repo: string;
  const name = `huge-${uniq()}`;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'roger-huge-commit-'));
    repo = (await makeBareRepo(tmp, name, { Dockerfile: `FROM ${BASE}\n`, 'build.yml': `${name}:\n  revfile: .\n` })).dir;
    const messageFile = join(tmp, 'message');
    await writeFile(messageFile, Buffer.alloc(MESSAGE_BYTES, 'x'));
    const git = async (...args: string[]): Promise<string> => (await exec('git', args, { cwd: repo })).stdout.trim();
    const tree = await git('rev-parse', 'master^{tree}');
    const sha = await git('-c', 'user.name=Big', '-c', 'user.email=big@example.com', 'commit-tree', tree, '-p', 'master', '-F', messageFile);
    await git('update-ref', 'refs/heads/master', sha);
    await rm(messageFile);
    server = await startServer(testConfig('builds:\n  allowedSchemes: [file]\n').file);
  });
  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('builds, with the server alive, its memory bounded and every log line capped', async () => {
    const baseline = await peakRssMb(server.proc.pid!);
    const res = await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(`file://${repo}`)}&branch=master`);
    expect(res.status).toBe(202);
    const build = await waitFor(async () => {
      const b = (await getJson<{ build: { status: string; error: string | null } }>(`${server.url}/api/builds/${res.body.id}`)).body.build;
      return b.status !== 'queued' && b.status !== 'started' ? b : undefined;
    }, 120_000, 'the build to finish');
    expect(build, JSON.stringify(build)).toMatchObject({ status: 'passed', error: null });

    const log = await (await fetch(`${server.url}/api/builds/${res.body.id}/log`)).text();
    // The message is read up to its first 64 KiB, and that is what the log shows of it.
    expect(log).toMatch(new RegExp(`Checked out [0-9a-f]{12} by Big <big@example.com>: x{${MAX_MESSAGE}}\n`));
    expect(log).toMatch(/Build passed in/);
    for (const line of log.split('\n')) expect(line.length).toBeLessThan(MAX_LOG_LINE + 200);
    expect(log.length).toBeLessThan(1024 * 1024);

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // Holding the message as one string would take its 100 MB (and copies of it while it is parsed).
    const peak = await peakRssMb(server.proc.pid!);
    expect(peak - baseline, `peak ${peak} MB, at start ${baseline} MB`).toBeLessThan(60);
  });
});
