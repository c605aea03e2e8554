import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { connectionUrlProblem, createMasker, maskSecrets, maskText, maskUrlPasswords, secretValues } from '../../src/config/mask.js';

const sample = () => loadConfig({ file: fileURLToPath(new URL('./fixtures/roger.yml', import.meta.url)), env: {} });

describe('maskSecrets', () => {
  it('masks secret-named keys at any depth, in any case', () => {
    const input = {
      token: 't',
      nested: { Password: 'p', apiKey: 'k', ACCESS_KEY: 'a', webhookSecret: 's', region: 'eu', ca: 'CA', cert: 'C', key: 'K' },
    };
    const hidden = '*****';
    expect(maskSecrets(input)).toEqual({
      token: '*****',
      nested: { Password: hidden, apiKey: hidden, ACCESS_KEY: hidden, webhookSecret: hidden, region: 'eu', ca: 'CA', cert: 'C', key: hidden },
    });
  });

  it('masks every element of a secret list and everything under a secret mapping', () => {
    expect(maskSecrets({ tokens: ['a', 'b'], secret: { inner: 1 }, list: [{ password: 'x', user: 'u' }] })).toEqual({
      tokens: ['*****', '*****'],
      secret: { inner: '*****' },
      list: [{ password: '*****', user: 'u' }],
    });
  });

  it('masks credentials in URLs anywhere', () => {
    const input = { database: { url: 'postgres://user:pass@host:5432/db' }, notes: ['redis://:pw@cache/0, https://host:8080/x@y'] };
    expect(maskSecrets(input)).toEqual({
      database: { url: 'postgres://user:*****@host:5432/db' },
      notes: ['redis://:*****@cache/0, https://host:8080/x@y'],
    });
  });

  it('masks a whole config, leaving the rest readable and the input untouched', () => {
    const config = sample();
    const masked = maskSecrets(config);
    expect(masked).toMatchObject({
      app: { url: 'https://builds.example.com', auth: { tokens: ['*****', '*****'] } },
      database: { url: 'postgres://roger:*****@db.example.com/roger' },
      auth: {
        github: '*****',
        dockerhub: { username: 'odino', email: 'someone@example.com', password: '*****' },
        registries: { 'registry.example.com': { username: 'ci', password: '*****' } },
        slack: { url: '*****' },
      },
      github: { apiUrl: 'https://github.example.com/api/v3', webhookSecret: '*****' },
      notifications: { github: { token: '*****' }, emailSes: { accessKey: '*****', secret: '*****', region: 'eu-west-1' } },
      publishers: { s3: { key: '*****', secret: '*****', region: 'eu-west-1' } },
    });
    expect(config.auth.github).toBe('github-token-123');
    expect(JSON.stringify(masked)).not.toMatch(/token-\d|-password|db-pass|hook-secret|s3-|ses-|hooks\.slack/);
  });

  it('keeps null and empty values visible: they show what is not configured', () => {
    expect(maskSecrets({ auth: { github: null }, github: { webhookSecret: null } })).toEqual({
      auth: { github: null },
      github: { webhookSecret: null },
    });
  });
});

describe('secretValues', () => {
  it('lists every secret in a config', () => {
    expect(new Set(secretValues(sample()))).toEqual(
      new Set([
        'api-token-1',
        'api-token-2',
        'db-pass',
        'dockerhub-password',
        'github-token-123',
        'registry-password',
        'https://hooks.slack.com/services/T0/B0/secret',
        'hook-secret',
        'ses-access-key',
        'ses-secret',
        's3-key-id',
        's3-secret-key',
      ]),
    );
  });

  it('lists URL passwords both as written and decoded', () => {
    const config = loadConfig({ env: { ROGER_DATABASE__URL: 'postgres://u:p%40ss%2Fword@db/roger' } });
    expect(secretValues(config)).toEqual(expect.arrayContaining(['p%40ss%2Fword', 'p@ss/word']));
  });
});

describe('maskText', () => {
  it('replaces every occurrence of each secret', () => {
    expect(maskText('cloning with tok-123, again tok-123; pw hunter22', ['tok-123', 'hunter22'])).toBe(
      'cloning with *****, again *****; pw *****',
    );
  });

  it('treats regex special characters literally', () => {
    expect(maskText('a.b*c a+b*c (x|y)$ [z]\\', ['a.b*c', '(x|y)$', '[z]\\'])).toBe('***** a+b*c ***** *****');
  });

  it('ignores secrets shorter than 4 characters and empty lists', () => {
    expect(maskText('on 1 abc abcd', ['on', '1', 'abc', 'abcd'])).toBe('on 1 abc *****');
    expect(maskText('unchanged', [])).toBe('unchanged');
  });

  it('masks the longest secret first when one contains another', () => {
    expect(maskText('secret-long and secret', ['secret', 'secret-long'])).toBe('***** and *****');
  });

  it('compiles once for repeated use', () => {
    const mask = createMasker(secretValues(sample()));
    expect(mask('GET https://x-access-token:github-token-123@github.com')).toBe('GET https://x-access-token:*****@github.com');
    expect(mask('connecting to postgres://roger:db-pass@db.example.com')).toBe('connecting to postgres://roger:*****@db.example.com');
  });
});

describe('maskUrlPasswords and database.url', () => {
  it('masks passwords holding @, : # or ?, password= parameters, and leaves ports and paths alone', () => {
    const cases: [string, string][] = [
      ['postgres://roger:p@ss:w#rd?@db:5432/roger?sslmode=require', 'postgres://roger:*****@db:5432/roger?sslmode=require'],
      ['postgres://roger@db/roger?sslmode=disable&password=hunter22', 'postgres://roger@db/roger?sslmode=disable&password=*****'],
      ['host=db user=roger password=hunter22 dbname=roger', 'host=db user=roger password=***** dbname=roger'],
      ['error: connect "postgres://u:pw123@h/d" failed', 'error: connect "postgres://u:*****@h/d" failed'],
      ['https://host:8080/x@y and ftp://a:b@c', 'https://host:8080/x@y and ftp://a:*****@c'],
    ];
    for (const [text, masked] of cases) expect(maskUrlPasswords(text)).toBe(masked);
  });

  it('masks a database.url password written with an unencoded /, and lists it as a secret', () => {
    const config = loadConfig({ env: { ROGER_DATABASE__URL: 'postgres://u:pa/ss@w0rd@db/roger' } });
    expect(maskSecrets(config)).toMatchObject({ database: { url: 'postgres://u:*****@db/roger' } });
    expect(secretValues(config)).toContain('pa/ss@w0rd');
    expect(connectionUrlProblem('postgres://u:pa/ss@w0rd@db/roger')).toMatch(/^database.url: percent-encode the password/);
    expect(connectionUrlProblem('postgres://u:pa/ss@w0rd@db/roger')).not.toContain('w0rd');
    expect(connectionUrlProblem('postgres://u:p%2Fss:@w@db/roger')).toBeUndefined();
  });

  it('takes linear time on text built to make a backtracking pattern quadratic', () => {
    for (const text of ['a.'.repeat(500_000), 'a://'.repeat(250_000), 'x://a:'.repeat(200_000), `a://:${'x'.repeat(1_000_000)}`]) {
      const started = performance.now();
      maskUrlPasswords(text);
      // The pattern this replaced took 12 s on 100 KB of "a.a.a.".
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });
});
