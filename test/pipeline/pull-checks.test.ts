import { describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { createFakeEngine } from '../../src/engine/fake.js';
import { BaseImageChecks } from '../../src/pipeline/pull.js';
import { memoryLog } from '../engine/helpers.js';

const IMAGE = '127.0.0.1:5000/base:latest';

function opts(signal = new AbortController().signal, force = false) {
  return { force, log: memoryLog(), signal };
}

describe('BaseImageChecks (fake engine)', () => {
  it('pulls a missing image, then finds it up to date; interval 0 asks the registry every time', async () => {
    const engine = createFakeEngine();
    const checks = new BaseImageChecks(engine, { intervalSeconds: 0 });
    expect(await checks.ensure(IMAGE, undefined, opts())).toBe('not present; pulled');
    expect(await checks.ensure(IMAGE, undefined, opts())).toMatch(/^up to date \(sha256:/);
    expect(await checks.ensure(IMAGE, undefined, opts())).toMatch(/^up to date/);
    expect(engine.callsOf('pull')).toHaveLength(1);
    expect(engine.callsOf('registryDigest')).toHaveLength(2);
  });

  it('within the interval nothing is asked; `force` asks anyway; a new digest is pulled', async () => {
    const engine = createFakeEngine({ images: [IMAGE] });
    const clock = { ms: 0 };
    const checks = new BaseImageChecks(engine, { intervalSeconds: 60, now: () => clock.ms });
    expect(await checks.ensure(IMAGE, undefined, opts())).toMatch(/^the registry has sha256:[0-9a-f]{64}; pulled$/);
    clock.ms = 59_000;
    expect(await checks.ensure(IMAGE, undefined, opts())).toContain('checked 59s ago');
    expect(engine.callsOf('registryDigest')).toHaveLength(1);
    expect(await checks.ensure(IMAGE, undefined, opts(undefined, true))).toMatch(/^up to date/);
    expect(engine.callsOf('registryDigest')).toHaveLength(2);
    clock.ms = 200_000;
    expect(await checks.ensure(IMAGE, undefined, opts())).toMatch(/^up to date/);
    expect(engine.callsOf('registryDigest')).toHaveLength(3);
    expect(engine.callsOf('pull')).toHaveLength(1);
  });

  it('concurrent callers share one check; one canceling does not stop it for the other', async () => {
    const engine = createFakeEngine({ images: [IMAGE], delayMs: 100 });
    const checks = new BaseImageChecks(engine, { intervalSeconds: 0 });
    const controller = new AbortController();
    const a = checks.ensure(IMAGE, undefined, opts(controller.signal));
    const b = checks.ensure(IMAGE, undefined, opts());
    controller.abort();
    const err = await a.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRogerError(err, 'canceled')).toBe(true);
    expect(await b).toMatch(/; pulled$/);
    expect(engine.callsOf('registryDigest')).toHaveLength(1);
    expect(engine.callsOf('pull')).toHaveLength(1);
  });

  it('a registry that cannot be asked leaves the local image in use, and says why', async () => {
    const engine = createFakeEngine({ images: [IMAGE] }).fail('registryDigest');
    const checks = new BaseImageChecks(engine, { intervalSeconds: 0 });
    expect(await checks.ensure(IMAGE, undefined, opts())).toBe('could not ask the registry (fake registryDigest failure); using the local image');
    expect(engine.callsOf('pull')).toHaveLength(0);
  });

  it('a failed pull of a local image keeps the local image; of a missing one fails, and is tried again', async () => {
    const engine = createFakeEngine({ images: [IMAGE] }).fail('pull');
    const checks = new BaseImageChecks(engine, { intervalSeconds: 300 });
    expect(await checks.ensure(IMAGE, undefined, opts())).toMatch(/^could not pull the registry's sha256:.* \(fake pull failure\); using the local image$/);
    const missing = '127.0.0.1:5000/missing:latest';
    for (let i = 0; i < 2; i++) {
      const err = await checks.ensure(missing, undefined, opts()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isRogerError(err, 'build-failed')).toBe(true);
    }
    expect(engine.callsOf('pull').filter((c) => c.ref === missing)).toHaveLength(2);
  });
});
