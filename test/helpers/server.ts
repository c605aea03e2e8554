import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const ROGER = join(import.meta.dirname, '..', '..', 'bin', 'roger');

export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to clean up (crash recovery tests). */
  kill9(): Promise<void>;
}

/** Starts `bin/roger serve` on a free port and waits for "Roger running on port N". */
export async function startServer(configFile: string, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const proc = spawn(ROGER, ['serve', '--config', configFile, '--port', '0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (line) => {
      out += `${line}\n`;
      const m = /Roger running on port (\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    proc,
    output: () => out,
    stop: async () => {
      proc.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `fn` until it returns a truthy value or `ms` pass. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, ms = 60_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function getJson<T = Record<string, unknown>>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** Reads a streamed log until `text` appears, then stops reading; returns what was read. */
export async function readUntil(url: string, text: string, ms = 60_000): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const res = await fetch(url, { signal: controller.signal });
  const reader = res.body!.getReader();
  let seen = '';
  try {
    while (!seen.includes(text)) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`log ended without "${text}":\n${seen}`);
      seen += Buffer.from(value).toString();
    }
    return seen;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/**
 * POSTs a large body over a raw socket and returns the answer's status. A server that refuses early
 * closes the socket while the body is still being written; what it answered first is what counts, so
 * the response bytes are read whatever happens to the writes.
 */
export function postLarge(url: string, body: Buffer, contentType = 'application/json'): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect(Number(port), hostname, () => {
      socket.write(`POST ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      // A server that refuses on Content-Length alone answers now; sending the body into a closing
      // socket would make the kernel reset the connection and drop that answer unread.
      setTimeout(() => {
        if (received === '' && !socket.destroyed) socket.end(body);
      }, 300);
    });
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.setTimeout(60_000, () => socket.destroy());
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`no HTTP answer (received ${received.length} bytes)`));
    });
  });
}
