import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '..', '..', 'docker', 'container-env.mjs');

/** What the entrypoint evals: the image's defaults for unset keys and the paths it checks. */
async function settings(env: Record<string, string>, ...args: string[]): Promise<Record<string, string>> {
  const { stdout } = await exec('node', [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  const out: Record<string, string> = {};
  for (const m of stdout.matchAll(/^(?:export )?(\w+)='((?:[^']|'\\'')*)'$/gm)) out[m[1]!] = m[2]!.replace(/'\\''/g, "'");
  return out;
}

describe('the container defaults (docker/container-env.mjs)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roger-container-env-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('without a config: listens on 0.0.0.0:6600, drives /tmp/docker.sock, keeps SQLite in /db', async () => {
    expect(await settings({}, 'serve')).toEqual({
      ROGER_APP__HOST: '0.0.0.0',
      ROGER_APP__PORT: '6600',
      ROGER_APP__URL: 'http://localhost:6600',
      ROGER_DOCKER__CLIENT__SOCKET_PATH: '/tmp/docker.sock',
      ROGER_DATABASE__URL: 'sqlite:/db/roger.db',
      ROGER_BUILDS__SHUTDOWN_GRACE: '5',
      roger_socket: '/tmp/docker.sock',
      roger_dirs: '/tmp/roger-builds\n/db',
      roger_health: 'http://127.0.0.1:6600/healthz',
    });
  });

  it("leaves every key the config file sets to the file, including a TCP engine and Postgres", async () => {
    const file = join(dir, 'config.yml');
    await writeFile(file, "app:\n  host: 10.1.2.3\n  port: 9000\ndocker:\n  client: { host: 10.0.0.1, port: 2375 }\ndatabase:\n  url: postgres://u:p@db/roger\nbuilds:\n  shutdownGrace: 20\n");
    expect(await settings({ ROGER_CONFIG: file }, 'serve')).toEqual({
      roger_socket: '',
      roger_dirs: '/tmp/roger-builds',
      roger_health: 'http://10.1.2.3:9000/healthz',
    });
  });

  it('leaves keys the environment or the command line sets, and an agent has no health URL', async () => {
    const s = await settings({ ROGER_APP__HOST: '127.0.0.1', ROGER_DOCKER__CLIENT__SOCKET_PATH: '/run/docker.sock' }, 'agent', '--port', '7000');
    expect(s).toEqual({
      ROGER_DATABASE__URL: 'sqlite:/db/roger.db',
      ROGER_BUILDS__SHUTDOWN_GRACE: '5',
      roger_socket: '/run/docker.sock',
      roger_dirs: '/tmp/roger-builds\n/db',
      roger_health: '',
    });
  });

  it('an invalid config adds no checks: Roger itself reports the line', async () => {
    const file = join(dir, 'bad.yml');
    await writeFile(file, 'app:\n  prot: 1\n');
    const s = await settings({ ROGER_CONFIG: file }, 'serve');
    expect(s.roger_socket).toBe('');
    expect(s.roger_health).toBe('');
  });
});
