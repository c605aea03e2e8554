import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_TIMEOUTS } from '../../src/http/timeouts.js';
import { startInprocApp, type InprocApp } from '../server/inproc-app.js';
import { openFollow, rawSocket } from './follow-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `text` a byte every `everyMs` until the socket closes; resolves with how many bytes went out. */
async function trickle(socket: import('node:net').Socket, text: string, everyMs: number): Promise<number> {
  let sent = 0;
  while (!socket.destroyed && !socket.writableEnded) {
    socket.write(text[sent % text.length] ?? 'x');
    sent++;
    await sleep(everyMs);
  }
  return sent;
}

describe('slow clients against the real server', () => {
  let srv: InprocApp;
  // Short bounds so the test takes seconds; the defaults are checked separately below.
  const timeouts = { headersMs: 500, requestMs: 1_000, idleMs: 1_500, keepAliveMs: 500, checkEveryMs: 100 };
  beforeAll(async () => {
    srv = await startInprocApp({ timeouts });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('disconnects a client sending its headers a byte at a time', async () => {
    const { socket, closed, received } = await rawSocket(srv.port);
    socket.write('GET /api/builds HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const sending = trickle(socket, 'abcdefgh', 50);
    const ms = await closed;
    expect(await sending).toBeGreaterThan(3);
    expect(ms).toBeGreaterThanOrEqual(timeouts.headersMs - 50);
    expect(ms).toBeLessThan(timeouts.headersMs + 1_000);
    expect(received()).not.toContain('200 OK');
  });

  it('disconnects a client that never finishes its body', async () => {
    const { socket, closed, received } = await rawSocket(srv.port);
    socket.write('POST /api/build HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"repo":');
    const sending = trickle(socket, '"aaaaaaaa', 50);
    const ms = await closed;
    expect(await sending).toBeGreaterThan(5);
    expect(ms).toBeLessThan(timeouts.requestMs + 1_000);
    // Nothing was queued from the half body.
    expect(received()).not.toContain('202');
    expect(await srv.store.countByStatus()).toMatchObject({ queued: 0 });
  });

  it('disconnects a connection that never says anything', async () => {
    const { closed } = await rawSocket(srv.port);
    const ms = await closed;
    expect(ms).toBeLessThan(timeouts.idleMs + 1_500);
  });

  it('keeps a log follow open through a quiet spell longer than every timeout, to the end of the build', async () => {
    const { build } = await srv.store.createBuild({ repo: 'https://example.com/o/quiet', branch: 'master', trigger: 'api', options: {} });
    await srv.store.claimNext(null);
    const follow = await openFollow(`${srv.url}/api/builds/${build.id}/log`);
    expect(follow.status).toBe(200);
    let text = '';
    follow.res.setEncoding('utf8');
    follow.res.on('data', (d: string) => (text += d));
    const ended = new Promise<boolean>((resolve) => {
      follow.res.on('end', () => resolve(true));
      follow.res.on('error', () => resolve(false));
      follow.res.on('close', () => resolve(follow.res.complete));
    });
    await sleep(timeouts.idleMs + 1_000);
    const log = srv.logs.writer(build.groupId);
    log.write('after the quiet spell');
    await log.flush();
    await srv.store.updateBuild(build.id, { status: 'passed', finishedAt: new Date().toISOString() });
    srv.logs.touch(build.groupId);
    expect(await ended).toBe(true);
    expect(text).toContain('after the quiet spell');
  });

  it('still answers ordinary requests', async () => {
    const res = await fetch(`${srv.url}/api/builds?limit=1`);
    expect(res.status).toBe(200);
  });
});

describe('default server timeouts', () => {
  it('bound headers, the whole request and idle sockets', async () => {
    const srv = await startInprocApp();
    try {
      const server = srv.app.server;
      expect(server.headersTimeout).toBe(SERVER_TIMEOUTS.headersMs);
      expect(server.requestTimeout).toBe(SERVER_TIMEOUTS.requestMs);
      expect(server.keepAliveTimeout).toBe(SERVER_TIMEOUTS.keepAliveMs);
      expect(server.timeout).toBe(SERVER_TIMEOUTS.idleMs);
      expect(SERVER_TIMEOUTS.requestMs).toBeLessThanOrEqual(60_000);
    } finally {
      await srv.close();
    }
  });
});
