import { describe, expect, it } from 'vitest';
import { LogHub } from '../../src/logs/hub.js';
import { createLineLog } from '../../src/logs/line-log.js';
import { openStore } from '../../src/store/open.js';

describe('build log lines', () => {
  it('masks credentials written into URLs, whoever wrote them', () => {
    const lines: string[] = [];
    const log = createLineLog((l) => lines.push(l), { now: () => new Date(0) });
    log.write('Fetching https://alice:s3cr3t-pw@git.example.com/o/r.git and https://ghp_abcdef123456@github.com/o/r');
    expect(lines.join('')).toBe('1970-01-01T00:00:00.000Z Fetching https://*****@git.example.com/o/r.git and https://*****@github.com/o/r\n');
  });
});

describe('LogHub', () => {
  it('reads a large log page by page and ends when the build ends', async () => {
    const store = await openStore('sqlite::memory:', { dataDir: '/nonexistent' });
    const hub = new LogHub(store, { mask: (t) => t, pollMs: 50, finished: async () => true });
    const chunk = 'x'.repeat(300_000);
    for (let i = 0; i < 10; i++) await store.appendLog('g1', chunk);
    expect((await store.readLog('g1', 0, 1_000_000)).length).toBeLessThan(3_000_000);
    const pages: number[] = [];
    for await (const page of hub.follow('g1')) pages.push(page.length);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(3_000_000);
    expect(pages.length).toBeGreaterThan(1);
    await store.close();
  });

  it('ends every follower when it closes (a server shutting down)', async () => {
    const store = await openStore('sqlite::memory:', { dataDir: '/nonexistent' });
    const hub = new LogHub(store, { mask: (t) => t, pollMs: 50, finished: async () => false });
    const writer = hub.writer('g2');
    writer.write('first line');
    await writer.flush();
    const seen: string[] = [];
    const following = (async () => {
      for await (const page of hub.follow('g2')) seen.push(page);
    })();
    await new Promise((r) => setTimeout(r, 200));
    hub.close();
    await following;
    expect(seen.join('')).toContain('first line');
    await store.close();
  });
});

describe('a build log as a whole', () => {
  it('stores at most the build log limit, whatever writes it, and keeps the closing lines', async () => {
    const store = await openStore('sqlite::memory:', { dataDir: '/nonexistent' });
    const limit = 2 * 1024 * 1024;
    const hub = new LogHub(store, { mask: (t) => t, logLimit: limit });
    const writer = hub.writer('g-cap');
    // git's lines, then an image build's, each within its own budget, together over the build's.
    const line = 'remote: '.padEnd(4_000, 'x');
    for (let i = 0; i < 400; i++) writer.write(line);
    for (let i = 0; i < 400; i++) writer.write(`Step ${i}: `.padEnd(4_000, 'y'));
    writer.write('PASSED app 127.0.0.1:5000/app:latest in 1.0s');
    writer.write('Build passed in 1.0s');
    await writer.flush();
    const text = await store.readLog('g-cap', 0, 10 * limit);
    expect(text.length).toBeLessThan(limit + 300 * 1024);
    expect(text.match(/log truncated: more than 2 MB in this build/g)).toHaveLength(1);
    expect(text).toContain('PASSED app 127.0.0.1:5000/app:latest');
    expect(text.trimEnd().endsWith('Build passed in 1.0s')).toBe(true);
    expect(text).not.toContain('Step 399');
    await store.close();
  });
});
