import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { defaultAgentName } from '../../src/config/schema.js';

const sample = fileURLToPath(new URL('./fixtures/roger.yml', import.meta.url));

function writeConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'roger-config-')), 'config.yml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('returns the defaults when there is no file and no environment', () => {
    expect(loadConfig({ env: {} })).toEqual({
      app: { url: 'http://localhost:8080', host: '127.0.0.1', port: 8080, defaultRegistry: '127.0.0.1:5000', auth: null },
      builds: { concurrent: 5, local: true, retryAfter: 20, timeout: 3600, maxProjects: 50, pullInterval: 300, afterBuildContainer: 'fresh', ociLabels: false, cancelSuperseded: false, shutdownGrace: 30, leaseSeconds: 30, allowedSchemes: ['https', 'ssh'], retentionDays: null, gitCache: true, gitCacheMaxMb: 10240 },
      paths: { builds: '/tmp/roger-builds' },
      database: { url: null },
      docker: { client: { socketPath: '/var/run/docker.sock' }, fake: null },
      agent: { name: defaultAgentName(), labels: {} },
      auth: { github: null, dockerhub: null, registries: {}, slack: null },
      github: { apiUrl: 'https://api.github.com', webhookSecret: null, allowUnsigned: false, repositories: [] },
      gitlab: { apiUrl: 'https://gitlab.com/api/v4', token: null, webhookToken: null },
      gitea: { apiUrl: null, token: null, webhookSecret: null },
      notifications: {},
      publishers: {},
    });
  });

  it('reads a full Roger config.yml', () => {
    const config = loadConfig({ file: sample, env: {} });
    expect(config.app).toEqual({
      url: 'https://builds.example.com',
      host: '127.0.0.1',
      port: 9090,
      defaultRegistry: 'registry.example.com',
      auth: { tokens: ['api-token-1', 'api-token-2'], metrics: false },
    });
    expect(config.builds).toEqual({
      concurrent: 3,
      local: true,
      retryAfter: 30,
      timeout: 1800,
      maxProjects: 50,
      pullInterval: 300,
      afterBuildContainer: 'fresh',
      ociLabels: false,
      cancelSuperseded: false,
      shutdownGrace: 30,
      leaseSeconds: 30,
      allowedSchemes: ['https', 'ssh', 'file'],
      retentionDays: 14,
      gitCache: true,
      gitCacheMaxMb: 10240,
    });
    expect(config.paths).toEqual({ builds: '/var/roger' });
    expect(config.database.url).toBe('postgres://roger:db-pass@db.example.com/roger');
    expect(config.auth.dockerhub).toEqual({ username: 'odino', email: 'someone@example.com', password: 'dockerhub-password' });
    expect(config.auth.registries['registry.example.com']).toEqual({ username: 'ci', password: 'registry-password' });
    expect(config.github).toEqual({ apiUrl: 'https://github.example.com/api/v3', webhookSecret: 'hook-secret', allowUnsigned: false, repositories: [] });
    // A bare string under notifications.github was Roger's way to give the token.
    expect(config.notifications.github).toEqual({ token: 'github-token-123' });
    expect(config.notifications.slack).toEqual({ global: 'true', channel: '#builds' });
    expect(config.publishers.s3).toMatchObject({ key: 's3-key-id', secret: 's3-secret-key' });
    // A configured host replaces the default socket instead of merging with it.
    expect(config.docker.client).toEqual({ host: '10.0.0.1', port: 2375, protocol: 'http' });
  });

  it('keeps defaults for keys the file leaves out and for empty sections', () => {
    const config = parseConfig('app:\n  url: https://ci.example.com\nnotifications:\nbuilds:\n  concurrent: ~\n');
    expect(config.app).toMatchObject({ url: 'https://ci.example.com', port: 8080 });
    expect(config.notifications).toEqual({});
    expect(config.builds.concurrent).toBeNull();
    expect(config.builds.timeout).toBe(3600);
  });

  it('accepts retentionDays as well as retention-days', () => {
    expect(parseConfig('builds:\n  retentionDays: 7\n').builds.retentionDays).toBe(7);
  });

  it('honours YAML merge keys, as js-yaml did for Roger', () => {
    const merged = parseConfig('auth:\n  dockerhub: &c { username: u, password: p }\n  registries:\n    r.io: { <<: *c, password: q }\n');
    expect(merged.auth.registries['r.io']).toEqual({ username: 'u', password: 'q' });
  });

  it('fails clearly when an explicitly given file is missing', () => {
    expect(() => loadConfig({ file: '/nonexistent/config.yml', env: {} })).toThrow(
      'cannot read config file /nonexistent/config.yml: no such file',
    );
    try {
      loadConfig({ file: '/nonexistent/config.yml', env: {} });
    } catch (err) {
      expect(isRogerError(err, 'bad-input')).toBe(true);
    }
  });

  it('reads $ROGER_CONFIG when no file is given, and prefers the given file', () => {
    const fromEnv = writeConfig('app:\n  port: 7000\n');
    const given = writeConfig('app:\n  port: 7001\n');
    expect(loadConfig({ env: { ROGER_CONFIG: fromEnv } }).app.port).toBe(7000);
    expect(loadConfig({ file: given, env: { ROGER_CONFIG: fromEnv } }).app.port).toBe(7001);
    expect(() => loadConfig({ env: { ROGER_CONFIG: '/nonexistent.yml' } })).toThrow('/nonexistent.yml');
  });

  it('names the file as given in error messages', () => {
    const file = writeConfig('app:\n  port: high\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(`${file}:2:3 app.port: expected number, got string`);
  });
});

describe('leases and the process name', () => {
  it('reads builds.leaseSeconds and agent.name, also from the environment', () => {
    const config = loadConfig({ file: writeConfig('builds:\n  leaseSeconds: 9\nagent:\n  name: build-host.1_a\n'), env: {} });
    expect(config.builds.leaseSeconds).toBe(9);
    expect(config.agent.name).toBe('build-host.1_a');
    expect(loadConfig({ env: { ROGER_AGENT__NAME: 'from-env' } }).agent.name).toBe('from-env');
  });

  it.each([
    ['a name with a space', 'agent:\n  name: two words\n', 'agent.name'],
    ['a name with a colon', 'agent:\n  name: "a:b"\n', 'agent.name'],
    ['an empty name', 'agent:\n  name: ""\n', 'agent.name'],
    ['a name longer than 64', `agent:\n  name: ${'x'.repeat(65)}\n`, 'agent.name'],
    ['a lease under 3 s', 'builds:\n  leaseSeconds: 1\n', 'leaseSeconds'],
    ['a fractional lease', 'builds:\n  leaseSeconds: 2.5\n', 'leaseSeconds'],
  ])('refuses %s', (_what, text, key) => {
    let error: unknown;
    try {
      loadConfig({ file: writeConfig(text), env: {} });
    } catch (err) {
      error = err;
    }
    expect(isRogerError(error, 'bad-input')).toBe(true);
    expect(String((error as Error).message)).toContain(key);
  });
});
