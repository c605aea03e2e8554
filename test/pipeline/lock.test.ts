import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/core/keyed-lock.js';

describe('KeyedLock', () => {
  it('runs tasks of one key one at a time, in order, and other keys alongside', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`${name}:start`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`${name}:end`);
      return name;
    };
    const results = await Promise.all([lock.run('a', task('a1', 30)), lock.run('a', task('a2', 1)), lock.run('b', task('b1', 5))]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(events.indexOf('a1:end')).toBeLessThan(events.indexOf('a2:start'));
    expect(events.indexOf('b1:start')).toBeLessThan(events.indexOf('a1:end'));
  });

  it('releases the key when a task fails', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lock.run('k', async () => 'after')).toBe('after');
  });

  it('says whether a key is busy, until its last task ends', async () => {
    const lock = new KeyedLock();
    let release = (): void => undefined;
    let started = (): void => undefined;
    const running = new Promise<void>((r) => (started = r));
    const first = lock.run('k', () => new Promise<void>((r) => ((release = r), started())));
    const second = lock.run('k', async () => 'second');
    expect(lock.busy('k')).toBe(true);
    expect(lock.busy('other')).toBe(false);
    await running;
    release();
    await first;
    expect(await second).toBe('second');
    expect(lock.busy('k')).toBe(false);
  });
});
