import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeConfig } from '../helpers/config.js';
import { getJson } from '../helpers/server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ROGER = join(ROOT, 'bin', 'roger');
export const PG = process.env.ROGER_TEST_PG;

/** A Postgres database of the test's own, shared by its server and agents. */
export const freshDatabase = (): Promise<TestDatabase> => createTestDatabase(PG ?? '', 'roger_fleet');

/**
 * A Docker engine of scripts/second-engine.sh, by name (`engine2` is the shared second engine; any
 * other name is a throwaway one the test may stop). Returns its socket path.
 */
export async function engine(action: 'start' | 'stop', name: string): Promise<string> {
  const { stdout } = await promisify(execFile)(join(ROOT, 'scripts', 'second-engine.sh'), [action, name], { cwd: ROOT, timeout: 120_000 });
  return /ROGER_ENGINE2_SOCKET=(\S+)/.exec(stdout)?.[1] ?? '';
}

export interface AgentProcess {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `bin/roger agent` with its own config (name, labels, engine socket), sharing `dbUrl`. */
export function startAgent(dbUrl: string, opts: { name: string; labels?: Record<string, string>; socket?: string; concurrent?: number }): AgentProcess {
  const labels = Object.entries(opts.labels ?? {}).map(([k, v]) => `    ${k}: ${v}\n`).join('');
  const yaml =
    `database:\n  url: ${dbUrl}\nbuilds:\n  concurrent: ${opts.concurrent ?? 2}\n  allowedSchemes: [file]\n  shutdownGrace: 2\n` +
    `agent:\n  name: ${opts.name}\n${labels ? `  labels:\n${labels}` : ''}` +
    (opts.socket ? `docker:\n  client:\n    socketPath: ${opts.socket}\n` : '');
  const proc = spawn(ROGER, ['agent', '--config', writeConfig(yaml).file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

export interface ApiBuild {
  id: string;
  status: string;
  error: string | null;
  agent: string | null;
  waiting: string | null;
}

export interface ApiAgent {
  name: string;
  labels: Record<string, string>;
  healthy: boolean;
  live: boolean;
  running: number;
  problem: string | null;
}

export const getBuild = async (base: string, id: string): Promise<ApiBuild> => (await getJson<{ build: ApiBuild }>(`${base}/api/builds/${id}`)).body.build;
export const getAgents = async (base: string): Promise<ApiAgent[]> => (await getJson<{ agents: ApiAgent[] }>(`${base}/api/agents`)).body.agents;
export const queue = async (base: string, repo: string, nocache = false): Promise<string> =>
  (await getJson<{ id: string }>(`${base}/api/build?repo=${encodeURIComponent(repo)}&branch=master${nocache ? '&options[nocache]=true' : ''}`)).body.id;
export const FINISHED = ['passed', 'failed', 'canceled', 'skipped'];

/**
 * Stops a throwaway engine and removes its directory. A container shim that outlived a killed engine
 * (found by its own socket path, so only this engine's) is ended by id, and mounts under the
 * directory are detached first.
 */
export async function removeEngine(name: string, servicesDir: string): Promise<void> {
  await engine('stop', name).catch(() => undefined);
  const dir = join(servicesDir, name);
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.startsWith('/usr/bin/containerd-shim') && cmd.includes(`${dir}/exec/`)) process.kill(Number(pid), 'SIGKILL');
  }
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m === dir || m.startsWith(`${dir}/`));
  for (const m of mounts.sort().reverse()) await promisify(execFile)('umount', ['-l', m]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
