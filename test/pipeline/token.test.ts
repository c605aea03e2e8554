import { describe, expect, it } from 'vitest';
import { githubTokenFor } from '../../src/pipeline/checkout.js';
import { testConfig } from '../helpers/config.js';

describe('githubTokenFor', () => {
  const { config } = testConfig('auth:\n  github: ghp_token_for_tests\ngithub:\n  apiUrl: https://ghe.example.com/api/v3\n');

  it('sends auth.github only to GitHub over http(s)', () => {
    expect(githubTokenFor('https://github.com/o/r.git', config)).toBe('ghp_token_for_tests');
    expect(githubTokenFor('https://ghe.example.com/o/r.git', config)).toBe('ghp_token_for_tests');
    expect(githubTokenFor('https://gitlab.example.com/o/r.git', config)).toBeUndefined();
    expect(githubTokenFor('ssh://git@github.com/o/r.git', config)).toBeUndefined();
    expect(githubTokenFor('/srv/repos/r.git', config)).toBeUndefined();
  });
});
