import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
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
 * POSTs a large body with node:http and returns the status. A server that refuses early may close the
 * socket while the body is still being written; the answer it sent first is what counts.
 */
export function postLarge(url: string, body: Buffer, contentType = 'application/json'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    req.end(body);
  });
}
