import { describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { isRogerError } from '../../src/core/errors.js';
import { parseConfig } from '../../src/config/load.js';

function failure(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(text, { env });
  } catch (err) {
    if (isRogerError(err, 'bad-input')) return err.message;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

describe('agent.name, agent.labels and builds.local in config.yml', () => {
  it('defaults: the host name, no labels, builds run locally', () => {
    const config = parseConfig('', { env: {} });
    expect(config.agent).toEqual({ name: hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64), labels: {} });
    expect(config.builds.local).toBe(true);
  });

  it('reads them from the file and from the environment', () => {
    const config = parseConfig('agent:\n  name: big-1\n  labels: { pool: big, arch: arm64 }\nbuilds:\n  local: false\n', { env: {} });
    expect(config.agent).toEqual({ name: 'big-1', labels: { pool: 'big', arch: 'arm64' } });
    expect(config.builds.local).toBe(false);
    const fromEnv = parseConfig('', { env: { ROGER_AGENT__NAME: 'env-agent', ROGER_AGENT__LABELS__POOL: 'gpu', ROGER_BUILDS__LOCAL: 'false' } });
    expect(fromEnv.agent).toEqual({ name: 'env-agent', labels: { pool: 'gpu' } });
    expect(fromEnv.builds.local).toBe(false);
  });

  it('refuses a bad name, label key or value, too many labels, and a non-boolean local, with their lines', () => {
    expect(failure('agent:\n  name: "two words"\n')).toMatch(/^config\.yml:2:3 agent\.name: expected 1-64 letters/);
    expect(failure(`agent:\n  name: ${'a'.repeat(65)}\n`)).toMatch(/^config\.yml:2:3 agent\.name:/);
    expect(failure('agent:\n  name: "../x;rm"\n')).toMatch(/^config\.yml:2:3 agent\.name:/);
    expect(failure('agent:\n  labels:\n    "po ol": big\n')).toMatch(/^config\.yml:3:5 agent\.labels.*label key/);
    expect(failure("agent:\n  labels:\n    pool: \"big'; drop table builds;--\"\n")).toMatch(/^config\.yml:3:5 agent\.labels\.pool: a label value/);
    expect(failure('agent:\n  labels:\n    pool: 3\n')).toMatch(/^config\.yml:3:5 agent\.labels\.pool: expected string/);
    expect(failure('agent:\n  labels:\n    pool: [a]\n')).toMatch(/^config\.yml:3:5 agent\.labels\.pool:/);
    const many = Array.from({ length: 33 }, (_, i) => `    k${i}: v`).join('\n');
    expect(failure(`agent:\n  labels:\n${many}\n`)).toMatch(/agent\.labels: at most 32 labels/);
    expect(failure('agent:\n  nmae: x\n')).toMatch(/^config\.yml:2:3 agent\.nmae: unknown key/);
    expect(failure('builds:\n  local: maybe\n')).toMatch(/^config\.yml:2:3 builds\.local: expected boolean/);
  });
});
