import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

describe('environment overrides', () => {
  it('overrides keys with ROGER_<SECTION>__<KEY>, reading values as YAML scalars', () => {
    const config = parseConfig('builds:\n  concurrent: 5\n', {
      env: {
        ROGER_APP__PORT: '9000',
        ROGER_BUILDS__CONCURRENT: '2',
        ROGER_AUTH__GITHUB: 'tok',
        ROGER_DATABASE__URL: 'postgres://roger:pw@db/roger',
        ROGER_GITHUB__WEBHOOK_SECRET: 's3cr3t',
        ROGER_BUILDS__RETRY_AFTER: '5',
        ROGER_APP__DEFAULT_REGISTRY: 'reg.example.com',
      },
    });
    expect(config.app.port).toBe(9000);
    expect(config.builds.concurrent).toBe(2);
    expect(config.builds.retryAfter).toBe(5);
    expect(config.auth.github).toBe('tok');
    expect(config.database.url).toBe('postgres://roger:pw@db/roger');
    expect(config.github.webhookSecret).toBe('s3cr3t');
    expect(config.app.defaultRegistry).toBe('reg.example.com');
  });

  it('wins over the file', () => {
    const config = parseConfig('app:\n  port: 8000\n', { env: { ROGER_APP__PORT: '8001' } });
    expect(config.app.port).toBe(8001);
  });

  it('reads ~, booleans and flow lists, and empty as ~', () => {
    const config = parseConfig('database:\n  url: postgres://x\n', {
      env: {
        ROGER_BUILDS__CONCURRENT: '~',
        ROGER_BUILDS__ALLOWED_SCHEMES: '[https, file]',
        ROGER_NOTIFICATIONS__SLACK__GLOBAL: 'true',
        ROGER_DATABASE__URL: '',
        ROGER_APP__AUTH__TOKENS: '[t1, t2]',
      },
    });
    expect(config.builds.concurrent).toBeNull();
    expect(config.builds.allowedSchemes).toEqual(['https', 'file']);
    expect(config.notifications.slack).toEqual({ global: true });
    expect(config.database.url).toBeNull();
    expect(config.app.auth).toEqual({ tokens: ['t1', 't2'], metrics: false });
  });

  it('keeps what was typed when the key takes a string', () => {
    const config = parseConfig('', {
      env: { ROGER_AUTH__GITHUB: '0123', ROGER_GITHUB__WEBHOOK_SECRET: 'true', ROGER_AUTH__DOCKERHUB__PASSWORD: 'pa #ss: x',
        ROGER_AUTH__DOCKERHUB__USERNAME: 'u' },
    });
    expect(config.auth.github).toBe('0123');
    expect(config.github.webhookSecret).toBe('true');
    expect(config.auth.dockerhub).toMatchObject({ password: 'pa #ss: x' });
  });

  it('matches keys the file or schema already has, and camel-cases new ones in open maps', () => {
    const file = 'auth:\n  registries:\n    registry.example.com: { username: u, password: p }\nnotifications:\n  emailSes: {}\n';
    const config = parseConfig(file, {
      env: {
        ROGER_AUTH__REGISTRIES__REGISTRY_EXAMPLE_COM__PASSWORD: 'new',
        ROGER_NOTIFICATIONS__EMAIL_SES__ACCESS_KEY: 'ak',
        ROGER_PUBLISHERS__S3__BUCKET_PATH: 'p',
      },
    });
    expect(config.auth.registries['registry.example.com']).toEqual({ username: 'u', password: 'new' });
    expect(config.notifications.emailSes).toEqual({ accessKey: 'ak' });
    expect(config.publishers.s3).toEqual({ bucketPath: 'p' });
  });

  it('replaces the default docker socket when the environment names a host', () => {
    const config = parseConfig('', { env: { ROGER_DOCKER__CLIENT__HOST: '10.0.0.2', ROGER_DOCKER__CLIENT__PORT: '2376' } });
    expect(config.docker.client).toEqual({ host: '10.0.0.2', port: 2376 });
  });

  it('resolves references in values from the environment', () => {
    const config = parseConfig('', { env: { ROGER_AUTH__GITHUB: 'tok', ROGER_NOTIFICATIONS__GITHUB__TOKEN: '{{ auth.github }}' } });
    expect(config.notifications.github).toEqual({ token: 'tok' });
  });

  it("accepts Roger 1.x's ROGER_CONFIG_<path> form", () => {
    const config = parseConfig('', { env: { ROGER_CONFIG_auth_github: 'legacy', ROGER_CONFIG_builds_concurrent: '7' } });
    expect(config.auth.github).toBe('legacy');
    expect(config.builds.concurrent).toBe(7);
  });

  it('ignores ROGER_ variables that are not config sections, such as Kubernetes service links', () => {
    const config = parseConfig('', {
      env: { ROGER_PORT: 'tcp://10.0.0.1:8080', ROGER_SERVICE_HOST: '10.0.0.1', ROGER_PORT_8080_TCP_ADDR: '10.0.0.1' },
    });
    expect(config.app.port).toBe(8080);
  });

  it('rejects a single underscore between levels', () => {
    expect(() => parseConfig('', { env: { ROGER_APP_PORT: '9000' } })).toThrow(
      'ROGER_APP_PORT: separate levels with "__", e.g. ROGER_APP__PORT',
    );
  });

  it('names the variable when its value or key is wrong', () => {
    expect(() => parseConfig('app:\n  port: 1\n', { env: { ROGER_APP__PORT: 'abc' } })).toThrow(
      'ROGER_APP__PORT app.port: expected number, got string',
    );
    expect(() => parseConfig('', { env: { ROGER_APP__PROT: '1' } })).toThrow('ROGER_APP__PROT app.prot: unknown key "prot"');
    expect(() => parseConfig('auth: {}\n', { env: { ROGER_AUTH__DOCKERHUB__PASSWORD: 'p' } })).toThrow(
      'ROGER_AUTH__DOCKERHUB__PASSWORD auth.dockerhub.username: required',
    );
  });

  it('refuses to set a key under a value that is not a mapping', () => {
    expect(() => parseConfig('app:\n  url: http://ci\n', { env: { ROGER_APP__URL__HOST: 'x' } })).toThrow(
      'ROGER_APP__URL__HOST: cannot set app.url.host: app.url is not a mapping',
    );
  });
});
