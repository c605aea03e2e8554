import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface ThrowawayPostgres {
  url: string;
  /** Stops the server (fast: every connection is cut), waits `downMs`, and starts it again on the same port. */
  restart(downMs: number): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A Postgres cluster of the test's own, in a temp directory on a random port, for tests that restart
 * the database (never the shared one). As root it runs as the `postgres` OS user, as Postgres requires.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const root = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), 'roger-pg-'));
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const asOwner = (cmd: string, args: string[]) => (root ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args));
  const data = join(dir, 'data');
  await asOwner(`${BIN}/initdb`, ['-D', data, '-U', 'roger', '--auth=trust', '-E', 'UTF8', '--no-locale']);
  const port = await freePort();
  const start = () => asOwner(`${BIN}/pg_ctl`, ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-k ${dir} -p ${port} -h 127.0.0.1 -F`, 'start']);
  const stop = (mode: string) => asOwner(`${BIN}/pg_ctl`, ['-D', data, '-w', '-t', '60', '-m', mode, 'stop']);
  await start();
  return {
    url: `postgres://roger@127.0.0.1:${port}/postgres`,
    async restart(downMs) {
      await stop('fast');
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async destroy() {
      await stop('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
