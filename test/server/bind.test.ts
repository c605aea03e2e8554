import { networkInterfaces } from 'node:os';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type RunningServer } from '../../src/main/server.js';
import { testConfig } from '../helpers/config.js';

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

describe('app.host: the listen address', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close(1_000);
    server = undefined;
  });

  it('listens on loopback only by default', async () => {
    const { config } = testConfig('app:\n  port: 0\nbuilds:\n  concurrent: 0\n');
    expect(config.app.host).toBe('127.0.0.1');
    server = await createServer(config, pino({ level: 'silent' }));
    const { port } = await server.listen();
    const address = server.app.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBeLessThan(600);
    const external = externalAddress();
    // Where the machine has another address, nothing answers there.
    if (external) await expect(fetch(`http://${external}:${port}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  });

  it('listens where app.host says', async () => {
    const { config } = testConfig('app:\n  host: 0.0.0.0\n  port: 0\nbuilds:\n  concurrent: 0\n');
    server = await createServer(config, pino({ level: 'silent' }));
    await server.listen();
    const address = server.app.server.address();
    expect(typeof address === 'object' && address?.address).toBe('0.0.0.0');
  });
});
