import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { writeConfig } from './config.js';

const ROGER = join(import.meta.dirname, '..', '..', 'bin', 'roger');

export async function query<T extends object = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export interface BuildRow {
  id: string;
  status: string;
  attempt: number;
  lease_owner: string | null;
  error: string | null;
  pushed: number;
}

export const builds = (url: string): Promise<BuildRow[]> =>
  query<BuildRow>(url, 'select id, status, attempt, lease_owner, error, pushed from builds order by seq');

/** A config.yml for a process of the cluster: the shared database, a name, the fake engine unless `real`. */
export function clusterConfig(o: {
  url: string;
  name: string;
  concurrent: number;
  leaseSeconds?: number;
  delayMs?: number;
  record?: string;
  real?: boolean;
  /** More top-level sections of config.yml (e.g. `notifications:`). */
  extra?: string;
}): string {
  const fake = o.real ? '' : `docker:\n  fake:\n    delayMs: ${o.delayMs ?? 0}\n${o.record ? `    record: ${o.record}\n` : ''}`;
  return writeConfig(
    `database:\n  url: ${o.url}\nagent:\n  name: ${o.name}\nbuilds:\n  concurrent: ${o.concurrent}\n  leaseSeconds: ${o.leaseSeconds ?? 30}\n  allowedSchemes: [file]\n${fake}${o.extra ?? ''}`,
  ).file;
}

export interface AgentProcess {
  proc: ChildProcess;
  pid: number;
  output(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: no chance to clean up. Resolves once the process is gone. */
  kill9(): Promise<void>;
}

/** Starts `bin/roger agent` and waits until it says it runs (its leftovers are taken back by then). */
export async function startAgent(configFile: string): Promise<AgentProcess> {
  const proc = spawn(ROGER, ['agent', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (/Roger agent \S+ running/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`agent exited:\n${out}`)));
  });
  const gone = (): boolean => proc.exitCode !== null || proc.signalCode !== null;
  return {
    proc,
    pid: proc.pid ?? 0,
    output: () => out,
    stop: async () => {
      if (!gone()) proc.kill('SIGTERM');
      await exited;
    },
    kill9: async () => {
      if (!gone()) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** One engine call as the fake engine's `record` file has it. */
export interface EngineCall {
  pid: number;
  build: string;
  method: string;
  phase: 'start' | 'end' | 'error';
  t: number;
}

export function readCalls(file: string): EngineCall[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  // A process killed mid-write may leave a partial last line.
  return text
    .split('\n')
    .filter((l) => l.startsWith('{') && l.endsWith('}'))
    .map((l) => JSON.parse(l) as EngineCall);
}
