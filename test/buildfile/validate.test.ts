import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/main/validate.js';

/** Runs `roger validate ARGS`, collecting exit code and output. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c: Buffer) => (chunks.out += c.toString()));
  err.on('data', (c: Buffer) => (chunks.err += c.toString()));
  const code = await validateCommand(args, out, err);
  return { code, ...chunks };
}

describe('roger validate', () => {
  let dir: string;
  const file = (name: string): string => path.join(dir, name);

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roger-validate-'));
    await fs.mkdir(path.join(dir, 'my-service'));
    await fs.writeFile(file('good.yml'), 'api:\n  dockerfilePath: api\nworker: {}\n');
    await fs.writeFile(file('one.yml'), 'api: {}\n');
    await fs.writeFile(file('bad.yml'), 'api:\n  dockerfilePath: ../..\n');
    await fs.writeFile(file('broken.yml'), 'api: [\n');
    await fs.writeFile(path.join(dir, 'my-service', 'build.yml'), '');
    await fs.writeFile(file('huge.yml'), Buffer.alloc(2 * 1024 * 1024, 'a'));
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('prints ok with the projects and exits 0 for a valid file', async () => {
    expect(await run([file('good.yml')])).toEqual({ code: 0, out: `${file('good.yml')}: ok (2 projects: api, worker)\n`, err: '' });
    expect((await run([file('one.yml')])).out).toBe(`${file('one.yml')}: ok (1 project: api)\n`);
  });

  it('names the project of an empty file after its directory', async () => {
    const empty = path.join(dir, 'my-service', 'build.yml');
    expect((await run([empty])).out).toBe(`${empty}: ok (1 project: my-service)\n`);
  });

  it('defaults to ./build.yml', async () => {
    const cwd = process.cwd();
    process.chdir(path.join(dir, 'my-service'));
    try {
      expect(await run([])).toEqual({ code: 0, out: 'build.yml: ok (1 project: my-service)\n', err: '' });
    } finally {
      process.chdir(cwd);
    }
  });

  it('prints FILE:LINE:COL message and exits 1 for an invalid file', async () => {
    const bad = await run([file('bad.yml')]);
    expect(bad).toEqual({ code: 1, out: '', err: `${file('bad.yml')}:2:19 api.dockerfilePath: "../.." leaves the repository\n` });
    const broken = await run([file('broken.yml')]);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(new RegExp(`^${file('broken.yml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:1 `));
    const huge = await run([file('huge.yml')]);
    expect(huge.code).toBe(1);
    expect(huge.err).toMatch(/:1:1 file is 2097152 bytes; the limit is 1048576/);
  });

  it('exits 2 when there is nothing to validate', async () => {
    const missing = await run([file('nope.yml')]);
    expect(missing).toEqual({ code: 2, out: '', err: `${file('nope.yml')}: no such file\n` });
    expect((await run([dir])).code).toBe(2);
    expect((await run(['a.yml', 'b.yml'])).code).toBe(2);
    expect((await run(['--bogus'])).code).toBe(2);
  });
});
