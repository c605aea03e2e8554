import { describe, expect, it } from 'vitest';
import { cloneCredential } from '../../src/forge/credentials.js';
import type { Config } from '../../src/core/config.js';

const githubTokenFor = (repo: string, config: Config): string | undefined => cloneCredential(repo, config)?.token;
import { testConfig } from '../helpers/config.js';

describe('cloneCredential for auth.github', () => {
  const T = 'ghp_token_for_tests';

  it('sends auth.github only over https to the web host of github.apiUrl', () => {
    const { config } = testConfig(`auth:\n  github: ${T}\ngithub:\n  apiUrl: https://ghe.example.com/api/v3\n`);
    expect(githubTokenFor('https://ghe.example.com/o/r.git', config)).toBe(T);
    expect(githubTokenFor('https://GHE.Example.COM/o/r.git', config)).toBe(T);
    expect(githubTokenFor('https://github.com/o/r.git', config)).toBeUndefined();
    expect(githubTokenFor('http://ghe.example.com/o/r.git', config)).toBeUndefined();
    expect(githubTokenFor('https://gitlab.example.com/o/r.git', config)).toBeUndefined();
    expect(githubTokenFor('ssh://git@ghe.example.com/o/r.git', config)).toBeUndefined();
    expect(githubTokenFor('/srv/repos/r.git', config)).toBeUndefined();
  });

  it('maps api.github.com to github.com and matches no look-alike', () => {
    const { config } = testConfig(`auth:\n  github: ${T}\n`);
    expect(githubTokenFor('https://github.com/o/r.git', config)).toBe(T);
    for (const url of [
      'https://github.com\\@evil.example/o/r',
      'https://github.com%5C@evil.example/o/r',
      'https://x\\y@github.com/o/r',
      'https://github.com@evil.example/o/r',
      'https://GitHub.com\\@evil.example/o/r',
      'https://g\u0456thub.com/o/r',
      'https://xn--gthub-n2e.com/o/r',
      'https://github.com.evil.example/o/r',
      'https://evil.example/github.com/o/r',
      'https://github.com./o/r',
      'https://api.github.com/o/r',
      'http://github.com/o/r',
    ]) {
      expect(githubTokenFor(url, config), url).toBeUndefined();
    }
  });
});
