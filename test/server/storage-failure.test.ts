import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeConfig } from '../helpers/config.js';
import { getJson, startServer, type ServerProcess } from '../helpers/server.js';

const ROGER = join(import.meta.dirname, '..', '..', 'bin', 'roger');

/** A small tmpfs lets the test fill the disk or make it read-only without touching the machine's disks. */
const mountPoint = mkdtempSync(join(tmpdir(), 'roger-tmpfs-'));
const canMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]).status === 0;

describe.skipIf(!canMount)('the database on a full or read-only disk', () => {
  let server: ServerProcess;
  const request = () => getJson<{ message: string }>(`${server.url}/api/build?repo=${encodeURIComponent('https://example.com/org/app.git')}`);

  beforeAll(async () => {
    const { file } = writeConfig(`paths:\n  builds: ${mountPoint}\n`);
    server = await startServer(file);
  });
  afterAll(async () => {
    await server?.stop();
    spawnSync('umount', ['-l', mountPoint]);
  });

  it('answers a clear error when the disk is full, keeps serving, and recovers', async () => {
    expect((await request()).status).toBe(202);
    // Fill the disk: dd stops with ENOSPC, which is the point.
    spawnSync('dd', ['if=/dev/zero', `of=${join(mountPoint, 'filler')}`, 'bs=64k']);
    let refused: { status: number; body: { message: string } } | undefined;
    // SQLite may still fit a few rows in pages it already has; a full disk shows within some requests.
    for (let i = 0; i < 500 && !refused; i++) {
      const r = await getJson<{ message: string }>(`${server.url}/api/build?repo=${encodeURIComponent(`https://example.com/org/app-${i}-${'x'.repeat(2000)}.git`)}`);
      if (r.status !== 202) refused = r;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.body.message, refused?.body.message).toMatch(/disk|full|space/i);
    expect((await getJson(`${server.url}/api/builds`)).status).toBe(200);
    execFileSync('rm', ['-f', join(mountPoint, 'filler')]);
    expect((await request()).status).toBe(202);
    const db = new Database(join(mountPoint, 'roger.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('refuses to start, with a clear message, when the database is on a read-only disk', async () => {
    await server.stop();
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    try {
      const { file } = writeConfig(`paths:\n  builds: ${mountPoint}\n`);
      const r = spawnSync(ROGER, ['serve', '--config', file, '--port', '0'], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/cannot open the SQLite database .*(writable|read-only)/);
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
    }
    const db = new Database(join(mountPoint, 'roger.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
