import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

const yaml = (...lines: string[]): string => lines.join('\n');

describe('{{ }} references', () => {
  it('resolves references inside longer strings, including to defaults', () => {
    const config = parseConfig(
      yaml(
        'paths:',
        '  builds: /srv/roger',
        'database:',
        '  url: "sqlite:{{ paths.builds }}/roger.db"',
        'notifications:',
        '  slack: { link: "{{app.url}}/builds" }',
      ),
    );
    expect(config.database.url).toBe('sqlite:/srv/roger/roger.db');
    expect(config.notifications.slack).toEqual({ link: 'http://localhost:8080/builds' });
  });

  it('gives a whole-value reference the referenced value and its type', () => {
    const config = parseConfig(
      yaml(
        'auth:',
        '  github: tok-123',
        '  dockerhub: { username: u, password: p }',
        '  registries:',
        '    r.io: "{{ auth.dockerhub }}"',
        'builds:',
        '  concurrent: "{{ publishers.s3.parallel }}"',
        'notifications:',
        "  github: { token: '{{ auth.github }}' }",
        'publishers:',
        '  s3: { parallel: 4 }',
      ),
    );
    expect(config.notifications.github).toEqual({ token: 'tok-123' });
    expect(config.auth.registries['r.io']).toEqual({ username: 'u', password: 'p' });
    expect(config.builds.concurrent).toBe(4);
  });

  it('follows chains of references', () => {
    const config = parseConfig(
      yaml('app:', '  url: "https://{{ app.defaultRegistry }}"', '  defaultRegistry: "{{ auth.github }}"', 'auth:', '  github: ci.example.com'),
    );
    expect(config.app.url).toBe('https://ci.example.com');
  });

  it('rejects an unknown reference at the line that makes it', () => {
    expect(() => parseConfig('app:\n  url: http://ci\nauth:\n  github: "{{ auth.gihub }}"\n')).toThrow(
      'config.yml:4:3 auth.github: unknown reference {{ auth.gihub }}',
    );
  });

  it('rejects cycles, naming the chain', () => {
    const cycle = yaml('auth:', '  github: "{{ github.webhookSecret }}"', 'github:', '  webhookSecret: "x{{ auth.github }}"');
    expect(() => parseConfig(cycle)).toThrow(
      'config.yml:2:3 auth.github: reference cycle: auth.github -> github.webhookSecret -> auth.github',
    );
    expect(() => parseConfig('notifications:\n  a: { self: "{{ notifications.a }}" }\n')).toThrow(/reference cycle/);
  });

  it('rejects embedding an empty value or a mapping in a longer string', () => {
    expect(() => parseConfig('app:\n  url: "https://{{ auth.github }}"\n')).toThrow(
      'config.yml:2:3 app.url: {{ auth.github }} is empty (~), so it cannot be part of a longer string',
    );
    expect(() => parseConfig('app:\n  url: "https://{{ docker.client }}"\n')).toThrow(/is a list or mapping/);
  });

  it('leaves braces that are not references alone', () => {
    const config = parseConfig('notifications:\n  slack: { template: "{{.Status}} {{ }}" }\n');
    expect(config.notifications.slack).toEqual({ template: '{{.Status}} {{ }}' });
  });

  it('stops a reference explosion', () => {
    const lines = ['notifications:', '  x:', '    k0: "aaaaaaaaaa"'];
    for (let i = 1; i <= 30; i++) lines.push(`    k${i}: "{{ notifications.x.k${i - 1} }}{{ notifications.x.k${i - 1} }}"`);
    expect(() => parseConfig(lines.join('\n'))).toThrow(/more than 1000 \{\{ \}\} substitutions|more than 100000 characters/);
  });
});
