import { describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { runAfterBuild } from '../../src/pipeline/hooks.js';
import { memoryLog } from '../engine/helpers.js';

const IMAGE = 'sha256:built';
const signal = new AbortController().signal;

describe('runAfterBuild (fake engine)', () => {
  it('shared: every command by exec in one container, logged in order', async () => {
    const engine = createFakeEngine({ images: [IMAGE] });
    const log = memoryLog();
    await runAfterBuild(engine, IMAGE, ['a', 'b', 'c'], { container: 'shared', log, signal });
    expect(engine.callsOf('withShell')).toHaveLength(1);
    expect(engine.callsOf('exec').map((c) => c.command)).toEqual(['a', 'b', 'c']);
    expect(engine.callsOf('run')).toHaveLength(0);
    expect(log.lines.filter((l) => l.startsWith('Running after-build: '))).toEqual(['Running after-build: a', 'Running after-build: b', 'Running after-build: c']);
  });

  it('shared: a failing command stops the rest and fails', async () => {
    const engine = createFakeEngine({ images: [IMAGE] }).onRun({ match: 'b', exitCode: 2 });
    const err = await runAfterBuild(engine, IMAGE, ['a', 'b', 'c'], { container: 'shared', log: memoryLog(), signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRogerError(err, 'build-failed')).toBe(true);
    expect(engine.callsOf('exec').map((c) => c.command)).toEqual(['a', 'b']);
  });

  it('shared falls back to a fresh container per command when the image cannot host one; one command runs fresh', async () => {
    const engine = createFakeEngine({ images: [IMAGE], noShell: true });
    const log = memoryLog();
    await runAfterBuild(engine, IMAGE, ['a', 'b'], { container: 'shared', log, signal });
    expect(engine.callsOf('run').map((c) => c.command)).toEqual(['a', 'b']);
    expect(log.text()).toContain('each command runs in a fresh container');
    const single = createFakeEngine({ images: [IMAGE] });
    await runAfterBuild(single, IMAGE, ['only'], { container: 'shared', log: memoryLog(), signal });
    expect(single.callsOf('withShell')).toHaveLength(0);
    expect(single.callsOf('run').map((c) => c.command)).toEqual(['only']);
  });

  it('fresh: a container per command, as Roger did', async () => {
    const engine = createFakeEngine({ images: [IMAGE] });
    await runAfterBuild(engine, IMAGE, ['a', 'b'], { container: 'fresh', log: memoryLog(), signal });
    expect(engine.callsOf('run').map((c) => c.command)).toEqual(['a', 'b']);
    expect(engine.callsOf('withShell')).toHaveLength(0);
  });
});
