import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { openStore } from '../../src/store/open.js';
import { newBuild } from './backends.js';

describe('openStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roger-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps builds in <dataDir>/roger.db, creating the directory, across reopening', async () => {
    const dataDir = join(dir, 'a', 'b');
    const store = await openStore(null, { dataDir });
    const { build } = await store.createBuild(newBuild());
    await store.appendLog(build.groupId, 'kept');
    await store.close();
    expect((await stat(join(dataDir, 'roger.db'))).isFile()).toBe(true);

    const again = await openStore(null, { dataDir });
    expect(await again.getBuild(build.id)).toEqual(build);
    expect(await again.readLog(build.groupId, 0)).toBe('kept');
    await again.close();
  });

  it('opens a sqlite: path', async () => {
    const store = await openStore(`sqlite:${join(dir, 'x.db')}`, { dataDir: '/nonexistent' });
    await store.ping();
    await store.close();
    expect((await stat(join(dir, 'x.db'))).isFile()).toBe(true);
  });

  it('names the path in a system error when the data directory is a regular file', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    const err = await openStore(null, { dataDir: file }).catch((e: unknown) => e);
    expect(isRogerError(err, 'system')).toBe(true);
    expect((err as Error).message).toContain(join(file, 'roger.db'));
    expect((err as Error).cause).toBeDefined();
  });

  it('gives a system error naming the file when it is not a database', async () => {
    const file = join(dir, 'roger.db');
    await writeFile(file, 'this is not a SQLite database, just some text that is long enough to matter');
    const err = await openStore(null, { dataDir: dir }).catch((e: unknown) => e);
    expect(isRogerError(err, 'system')).toBe(true);
    expect((err as Error).message).toContain(file);
  });

  it('refuses a URL it does not know, without echoing it', async () => {
    const err = await openStore('mysql://u:secret@h/db', { dataDir: dir }).catch((e: unknown) => e);
    expect(isRogerError(err, 'bad-input')).toBe(true);
    expect((err as Error).message).not.toContain('secret');
  });

  it('gives a system error, without the password, when Postgres cannot be reached', async () => {
    const err = await openStore('postgres://u:secret@127.0.0.1:1/db', { dataDir: dir }).catch((e: unknown) => e);
    expect(isRogerError(err, 'system')).toBe(true);
    expect((err as Error).message).toContain('127.0.0.1:1/db');
    expect((err as Error).message).not.toContain('secret');
  });
});
