import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withoutBuildArgValues } from '../../src/store/queries/drop-build-args.js';
import { backendCases, useStore } from './backends.js';

describe.each(backendCases.filter((c) => c.name === 'postgres'))('claims by row locks ($name)', (c) => {
  const ctx = useStore(c);

  it('stores options without build-arg values the same way as withoutBuildArgValues', async () => {
    const { backend } = ctx();
    const inputs = [
      '{}',
      '{"nocache":true}',
      '{"nocache":true,"buildargs":{"NPM_TOKEN":"secret","MODE":"ci"},"target":"prod"}',
      '{"buildargs":{}}',
      '{"buildargs":null,"buildargNames":["OLD"]}',
      '{"buildargs":{"B":"1","A":"2","B":"3"}}',
      '{"buildargs":{"Z":"1"},"buildargs":{"Y":"2"}}',
      '{"note":"buildargs"}',
      '{"\\u0062uildargs":{"K":"v"}}',
      '["buildargs"]',
      'not json, buildargs',
    ];
    for (const options of inputs) {
      const { rows } = await sql<{ kept: string | null }>`select roger_without_buildarg_values(${options}) as kept`.execute(backend.db);
      const expected = withoutBuildArgValues(options);
      const kept = rows[0]?.kept ?? undefined;
      expect(kept === undefined ? undefined : JSON.parse(kept), options).toEqual(expected === undefined ? undefined : JSON.parse(expected));
    }
  });
});
