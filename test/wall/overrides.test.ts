import { describe, expect, it } from 'vitest';
import type { ApiWallTile } from '../../src/http/api-types.js';
import type { Build, BuildStatus } from '../../web/src/lib/types.js';
import { WallOverrides } from '../../web/src/lib/wall.js';

const P = 'https://git.example.test/team/app__app';

function build(id: string, status: BuildStatus, createdAt: string, branch = 'main'): Build {
  return {
    id,
    project: P,
    name: 'app',
    alias: 'app (team/app)',
    branch,
    status,
    tag: null,
    created_at: createdAt,
    updated_at: createdAt,
    repo: 'https://git.example.test/team/app',
    commit: null,
    author: null,
    digest: null,
    trigger: 'api',
    options: {},
    error: null,
    started_at: null,
    finished_at: null,
    duration_ms: null,
    group_id: id,
  };
}

const tile = (b: Build): ApiWallTile => ({
  project: P,
  name: 'app',
  alias: 'app (team/app)',
  branch: 'main',
  build: { id: b.id, project: P, branch: b.branch, status: b.status, commit: null, author: null, created_at: b.created_at, started_at: null, finished_at: null, duration_ms: null },
});

/** The wall's merge of what the event stream said into the server's last answer. */
describe('WallOverrides', () => {
  const t1 = '2026-01-01T10:00:00.000Z';
  const t2 = '2026-01-01T11:00:00.000Z';
  const server = [tile(build('a', 'passed', t1))];

  it('shows a newer build of the tile\'s branch at once, and the same build further on', () => {
    const o = new WallOverrides();
    expect(o.apply(build('b', 'started', t2))).toBe(true);
    expect(o.merge(server)[0]?.build).toMatchObject({ id: 'b', status: 'started' });
    o.apply(build('b', 'failed', t2));
    expect(o.merge(server)[0]?.build).toMatchObject({ id: 'b', status: 'failed' });
    // A late `started` for the same build does not undo its failure.
    o.apply(build('b', 'started', t2));
    expect(o.merge(server)[0]?.build.status).toBe('failed');
    // The server's answer catching up changes nothing.
    expect(o.merge([tile(build('b', 'failed', t2))])[0]?.build).toMatchObject({ id: 'b', status: 'failed' });
  });

  it('ignores other branches, older builds, and gives a canceled build back to the server', () => {
    const o = new WallOverrides();
    o.apply(build('f', 'failed', t2, 'feature'));
    expect(o.merge(server)[0]?.build.id).toBe('a');
    const o2 = new WallOverrides();
    o2.apply(build('old', 'failed', '2025-12-31T00:00:00.000Z'));
    expect(o2.merge(server)[0]?.build.id).toBe('a');
    const o3 = new WallOverrides();
    o3.apply(build('c', 'started', t2));
    expect(o3.apply(build('c', 'canceled', t2))).toBe(false);
    expect(o3.merge(server)[0]?.build.id).toBe('a');
    o3.apply(build('d', 'queued', t2));
    o3.clear();
    expect(o3.merge(server)).toEqual(server);
  });
});
