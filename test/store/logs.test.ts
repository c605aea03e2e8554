import { describe, expect, it } from 'vitest';
import { backendCases, useStore } from './backends.js';

describe.each(backendCases)('logs ($name)', (c) => {
  const ctx = useStore(c);

  it('appends and reads from an offset of characters already read', async () => {
    const { store } = ctx();
    expect(await store.readLog('g', 0)).toBe('');
    await store.appendLog('g', 'hello ');
    await store.appendLog('g', 'world\n');
    await store.appendLog('other', 'not mine');
    await store.appendLog('g', 'step 2\n');
    const all = 'hello world\nstep 2\n';
    expect(await store.readLog('g', 0)).toBe(all);
    for (let offset = 0; offset <= all.length; offset++) {
      expect(await store.readLog('g', offset)).toBe(all.slice(offset));
    }
    expect(await store.readLog('g', 1000)).toBe('');
  });

  it('follows a growing log by the length read so far', async () => {
    const { store } = ctx();
    let read = '';
    for (const part of ['a', 'é🚀', '', 'line\n', 'x'.repeat(5000)]) {
      await store.appendLog('g', part);
      read += await store.readLog('g', read.length);
    }
    expect(read).toBe(`aé🚀line\n${'x'.repeat(5000)}`);
  });

  it('drops NUL characters so both databases count the same offsets', async () => {
    const { store } = ctx();
    await store.appendLog('g', 'a\u0000b');
    await store.appendLog('g', 'c');
    expect(await store.readLog('g', 0)).toBe('abc');
    expect(await store.readLog('g', 2)).toBe('c');
  });

  it('keeps every concurrent append, in some order', async () => {
    const { store } = ctx();
    const parts = Array.from({ length: 40 }, (_, i) => `<${i}>`);
    await Promise.all(parts.map((p) => store.appendLog('g', p)));
    const log = await store.readLog('g', 0);
    expect(log.length).toBe(parts.join('').length);
    for (const p of parts) expect(log).toContain(p);
  });
});
