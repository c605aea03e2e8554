import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInprocApp, type InprocApp } from './inproc-app.js';

/** The value of one sample line, e.g. `roger_builds{status="passed"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics through prom-client', () => {
  let srv: InprocApp;
  beforeAll(async () => {
    srv = await startInprocApp();
  });
  afterAll(async () => {
    await srv.close();
  });

  it('exposes stored counts, queue wait and duration histograms, and the process metrics', async () => {
    const { build: queued } = await srv.store.createBuild({ repo: 'https://example.com/o/a', branch: 'master', trigger: 'api', options: {} });
    const { build: b } = await srv.store.createBuild({ repo: 'https://example.com/o/b', branch: 'master', trigger: 'api', options: {} });
    expect(queued.status).toBe('queued');
    const claimed = await srv.store.claimNext(null);
    expect(claimed?.id).toBe(queued.id);
    const created = Date.parse(b.createdAt);
    const done = await srv.store.updateBuild(queued.id, { status: 'passed', finishedAt: new Date().toISOString(), durationMs: 42_000 });
    // A known wait: started 7 s after it was queued.
    srv.metrics.observe({ ...done, createdAt: new Date(created).toISOString(), startedAt: new Date(created + 7_000).toISOString() });
    srv.metrics.observe({ ...done, id: 'sibling', status: 'failed', durationMs: 2_000 });

    const res = await fetch(`${srv.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'roger_builds{status="passed"}')).toBe(1);
    expect(sample(text, 'roger_builds{status="queued"}')).toBe(1);
    expect(sample(text, 'roger_queue_length')).toBe(1);
    expect(sample(text, 'roger_builds_running')).toBe(0);
    expect(sample(text, 'roger_builds_finished_total{status="passed"}')).toBe(1);
    expect(sample(text, 'roger_builds_finished_total{status="failed"}')).toBe(1);
    expect(sample(text, 'roger_build_duration_seconds_bucket{le="30",status="passed"}')).toBe(0);
    expect(sample(text, 'roger_build_duration_seconds_bucket{le="60",status="passed"}')).toBe(1);
    expect(sample(text, 'roger_build_duration_seconds_sum{status="failed"}')).toBe(2);
    // Only the request's first build waited; the sibling is not counted.
    expect(sample(text, 'roger_build_queue_wait_seconds_count')).toBe(1);
    expect(sample(text, 'roger_build_queue_wait_seconds_bucket{le="5"}')).toBe(0);
    expect(sample(text, 'roger_build_queue_wait_seconds_bucket{le="15"}')).toBe(1);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  it('reads the stored counts afresh on each scrape', async () => {
    const before = sample(await fetch(`${srv.url}/metrics`).then((r) => r.text()), 'roger_builds{status="queued"}') ?? 0;
    await srv.store.createBuild({ repo: 'https://example.com/o/c', branch: 'master', trigger: 'api', options: {} });
    const after = sample(await fetch(`${srv.url}/metrics`).then((r) => r.text()), 'roger_builds{status="queued"}');
    expect(after).toBe(before + 1);
  });
});
