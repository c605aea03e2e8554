import { describe, expect, it } from 'vitest';
import { type RogerError, isRogerError } from '../../src/core/errors.js';
import { parseConfig } from '../../src/config/load.js';

function failure(text: string, env: NodeJS.ProcessEnv = {}): RogerError {
  try {
    parseConfig(text, { env });
  } catch (err) {
    if (isRogerError(err, 'bad-input')) return err;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

describe('config errors', () => {
  it('reports an unknown key with its line, column and the keys that are allowed', () => {
    const err = failure('app:\n  url: http://ci\n  prot: 9000\n');
    expect(err.message).toBe(
      'config.yml:3:3 app.prot: unknown key "prot" (expected one of: url, host, port, defaultRegistry, auth)',
    );
  });

  it('reports an unknown top-level section', () => {
    expect(failure('app: {}\nbuild:\n  concurrent: 2\n').message).toMatch(/^config\.yml:2:1 build: unknown key "build"/);
  });

  it('reports a mistyped value at the line of its key', () => {
    expect(failure('builds:\n  concurrent: 2\n  timeout: soon\n').message).toBe(
      'config.yml:3:3 builds.timeout: expected number, got string',
    );
  });

  it('suggests quoting when a string setting was written as a number', () => {
    expect(failure('auth:\n  github: 12345\n').message).toMatch(/^config\.yml:2:3 auth\.github: .*quote the value/);
  });

  it('locates errors inside lists and open maps', () => {
    expect(failure('builds:\n  allowedSchemes:\n    - https\n    - 42\n').message).toMatch(
      /^config\.yml:4:7 builds\.allowedSchemes\.1: expected string, got number/,
    );
    expect(failure('auth:\n  registries:\n    r.io:\n      username: u\n').message).toBe(
      'config.yml:3:5 auth.registries.r.io.password: required',
    );
  });

  it('lists every problem, in file order', () => {
    const lines = failure('github:\n  apiUrl: not a url\napp:\n  port: -1\n').message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^config\.yml:2:3 github\.apiUrl: /);
    expect(lines[1]).toMatch(/^config\.yml:4:3 app\.port: /);
  });

  it('explains Roger 1.x passport providers instead of ignoring them', () => {
    expect(failure('app:\n  auth:\n    provider: /auth/local.js\n').message).toContain(
      'config.yml:3:5 app.auth.provider: unknown key "provider" (passport auth providers are not supported',
    );
  });

  it('gives the line of invalid YAML', () => {
    expect(failure('app:\n  url: http://ci\n bad: [\n').message).toMatch(/^config\.yml:\d+:\d+ invalid YAML: /);
    expect(failure('app:\n  port: 1\n  port: 2\n').message).toMatch(/^config\.yml:3:3 invalid YAML: .*unique/);
  });

  it('rejects a top level that is not a mapping', () => {
    expect(failure('- a\n- b\n').message).toBe('config.yml:1:1 expected a mapping of sections (app:, builds:, ...) at the top level');
  });

  it('treats __proto__ as an ordinary, unknown key', () => {
    expect(failure('app:\n  __proto__: { polluted: true }\n').message).toMatch(/^config\.yml:2:3 app\.__proto__: unknown key/);
    expect(failure('__proto__:\n  polluted: true\n').message).toMatch(/^config\.yml:1:1 __proto__: unknown key/);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('rejects an alias bomb quickly', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const started = Date.now();
    expect(failure(levels.join('\n')).message).toBe('config.yml: more than 100 YAML alias expansions');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
