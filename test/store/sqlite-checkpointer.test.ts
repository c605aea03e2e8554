import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlBackend } from '../../src/store/open.js';
import { startCheckpointer } from '../../src/store/sqlite-checkpointer.js';
import { seedBuilds } from '../helpers/seed-builds.js';
import { waitFor } from '../helpers/server.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'roger-checkpoint-'));
  dirs.push(d);
  return d;
}

describe("SQLite's checkpoints, off the event loop", () => {
  it('are taken by the worker: the server connection never copies the log itself, yet the database file fills', async () => {
    const dir = await tempDir();
    const file = join(dir, 'roger.db');
    const backend = await openSqlBackend(`sqlite:${file}`, { dataDir: dir });
    try {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(backend.db);
      expect(rows[0]?.wal_autocheckpoint).toBe(0);
      const before = (await stat(file)).size;
      const at = new Date().toISOString();
      // Several thousand pages of log: the server's connection, checkpointing nothing, only appends.
      await seedBuilds(backend, 20_000, (i) => ({ repo: `https://git.example.test/r${i % 50}.git`, project: `p${i % 50}`, branch: 'main', status: 'passed', created_at: at, updated_at: at }));
      const grown = await waitFor(async () => {
        const size = (await stat(file)).size;
        return size > before + 4 * 1024 * 1024 && size;
      }, 10_000, 'the worker to copy the log into the database file');
      expect(grown).toBeGreaterThan(before);
    } finally {
      await backend.close();
    }
    // Closed cleanly: everything written is there for the next process.
    const again = await openSqlBackend(`sqlite:${file}`, { dataDir: dir });
    try {
      const { rows } = await sql<{ n: number }>`select count(*) as n from builds`.execute(again.db);
      expect(Number(rows[0]?.n)).toBe(20_000);
    } finally {
      await again.close();
    }
  });

  it("gives the checkpoints back to the server's connection when the worker cannot run", async () => {
    const dir = await tempDir();
    const pragmas: string[] = [];
    // No such database: the worker fails as it starts.
    startCheckpointer({ pragma: (source) => void pragmas.push(source) }, join(dir, 'missing.db'));
    expect(pragmas).toEqual(['wal_autocheckpoint = 0']);
    await waitFor(async () => pragmas.length === 2, 10_000, 'the worker to fail');
    expect(pragmas).toEqual(['wal_autocheckpoint = 0', 'wal_autocheckpoint = 1000']);
  });
});
