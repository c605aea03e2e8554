import { mkdtempSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A unix-socket pass-through to the real Docker engine. Closing it cuts every connection, which
 * looks to Roger exactly like the engine going away mid-build, without stopping the shared engine.
 */
export async function startDockerProxy(target = '/var/run/docker.sock'): Promise<{ socketPath: string; close(): Promise<void> }> {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'roger-dproxy-')), 'docker.sock');
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}
