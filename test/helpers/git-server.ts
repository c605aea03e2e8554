import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface GitServer {
  /** `http://127.0.0.1:PORT` (`https://` with `tls`); repositories are at `${url}/NAME.git`. */
  url: string;
  /** Every request seen, in order, with the Authorization header git sent. */
  requests: GitRequest[];
  close(): Promise<void>;
}

export interface GitRequest {
  method: string;
  path: string;
  authorization?: string;
  /** The protocol v2 command of an upload-pack POST (`ls-refs`, `fetch`), read from its body. */
  command?: string;
  /** performance.now() when the request arrived and when its response ended (undefined while running). */
  startedAt: number;
  endedAt?: number;
  /** Bytes of the response body sent. */
  responseBytes: number;
}

/**
 * A real smart-HTTP git server: node:http running `git http-backend` as a CGI over the bare
 * repositories in `root`. With `auth`, requests without matching Basic credentials get 401. With
 * `tls`, it speaks https (tokens are only ever sent over https); git must trust the certificate.
 */
export async function startGitServer(opts: {
  root: string;
  auth?: { username: string; password: string };
  tls?: { cert: string; key: string };
  /** Each upload-pack POST waits this long before git answers it: makes overlapping fetches certain to overlap. */
  delayMs?: number;
}): Promise<GitServer> {
  const requests: GitServer['requests'] = [];
  const handle: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const authorization = req.headers.authorization;
    const entry: GitRequest = { method: req.method ?? 'GET', path: url.pathname, authorization, startedAt: performance.now(), responseBytes: 0 };
    requests.push(entry);
    let head = '';
    req.on('data', (chunk: Buffer) => {
      if (head.length >= 200) return;
      head += chunk.toString('latin1');
      entry.command ??= /command=([a-z-]+)/.exec(head)?.[1];
    });
    const write = res.write.bind(res) as (chunk: Buffer | string) => boolean;
    res.write = ((chunk: Buffer | string) => {
      entry.responseBytes += Buffer.byteLength(chunk);
      return write(chunk);
    }) as typeof res.write;
    res.on('close', () => (entry.endedAt = performance.now()));
    if (opts.auth && authorization !== basic(opts.auth.username, opts.auth.password)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('unauthorized\n');
      return;
    }
    if (opts.delayMs && req.method === 'POST') {
      req.pause();
      setTimeout(() => runBackend(opts.root, url, req, res, opts.auth?.username), opts.delayMs);
    } else runBackend(opts.root, url, req, res, opts.auth?.username);
  };
  const server: Server = opts.tls ? createTlsServer(opts.tls, handle) : createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function runBackend(root: string, url: URL, req: IncomingMessage, res: ServerResponse, user?: string): void {
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const cgiEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: header('content-type'),
    CONTENT_LENGTH: header('content-length'),
    HTTP_CONTENT_ENCODING: header('content-encoding'),
    // Protocol v2 is negotiated through this header.
    HTTP_GIT_PROTOCOL: header('git-protocol'),
    REMOTE_USER: user,
    REMOTE_ADDR: req.socket.remoteAddress,
  };
  const env = Object.fromEntries(Object.entries(cgiEnv).filter((e): e is [string, string] => e[1] !== undefined));
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  // The backend may stop reading early (a refused request); a broken pipe is not our error.
  child.stdin.on('error', () => undefined);
  req.pipe(child.stdin);

  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const split = findHeaderEnd(head);
    if (split === undefined) return;
    const { status, headers } = parseCgiHeaders(head.subarray(0, split.at).toString('latin1'));
    res.writeHead(status, headers);
    headersSent = true;
    const body = head.subarray(split.at + split.length);
    if (body.length > 0) res.write(body);
  });
  child.on('error', (err) => {
    if (!res.headersSent) res.writeHead(500).end(`cannot run git http-backend: ${err.message}\n`);
  });
  child.on('close', () => {
    if (!headersSent) res.writeHead(500).end(`git http-backend failed: ${Buffer.concat(stderr).toString()}\n`);
    else res.end();
  });
}

function findHeaderEnd(buf: Buffer): { at: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf !== -1) return { at: lf, length: 2 };
  return undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}
