import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { uniq, writeConfig } from './config.js';
import { getJson, startServer, type ServerProcess } from './server.js';
import { createTestDatabase } from './test-database.js';

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

/** A build as the lease tests read it from the API. */
export interface LeaseBuild {
  id: string;
  status: string;
  attempt: number;
  lease_owner: string | null;
  error: string | null;
}

export const getLeaseBuild = async (server: ServerProcess, id: string): Promise<LeaseBuild> =>
  (await getJson<{ build: LeaseBuild }>(`${server.url}/api/builds/${id}`)).body.build;

/**
 * What a lease test file starts: per test a database of its own with an API-only server, agents, and
 * anything else to undo; `close` undoes it all, newest first. `ending` is how its processes are stopped
 * then: `kill9`, or `stop` (SIGTERM, so a run still going is aborted and its containers removed).
 */
export class LeaseCluster {
  private readonly undo: (() => Promise<unknown>)[] = [];

  constructor(private readonly ending: 'kill9' | 'stop') {}

  defer(fn: () => Promise<unknown>): void {
    this.undo.push(fn);
  }

  async server(o: { leaseSeconds: number; real?: boolean; extra?: string }): Promise<{ url: string; server: ServerProcess }> {
    const db = await createTestDatabase(process.env.ROGER_TEST_PG ?? '', 'roger_lease');
    this.defer(db.drop);
    const server = await startServer(clusterConfig({ ...o, url: db.url, name: `srv-${uniq()}`, concurrent: 0 }));
    this.defer(() => (this.ending === 'kill9' ? server.kill9() : server.stop()));
    return { url: db.url, server };
  }

  async agent(configFile: string): Promise<AgentProcess> {
    const a = await startAgent(configFile);
    this.defer(() => (this.ending === 'kill9' ? a.kill9() : a.stop()));
    return a;
  }

  async close(): Promise<void> {
    for (const fn of this.undo.splice(0).reverse()) await fn().catch(() => undefined);
  }
}
