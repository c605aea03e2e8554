import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown> | undefined;
}

export interface PullRequestFixture {
  head: { ref: string; sha: string; cloneUrl: string; fullName: string };
  baseFullName: string;
}

/** Scripted answers: the next `times` requests whose path matches get `status`. */
interface Failure {
  match: RegExp;
  status: number;
  times: number;
  headers?: Record<string, string>;
}

/**
 * A recording stand-in for GitHub's REST API on 127.0.0.1: answers pull request lookups from
 * `pulls` (404 otherwise) and accepts commit statuses; `fail()` scripts error answers.
 */
export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly pulls = new Map<string, PullRequestFixture>();
  private readonly failures: Failure[] = [];
  private server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const path = req.url ?? '/';
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      this.requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
      const failure = this.failures.find((f) => f.times > 0 && f.match.test(path));
      const send = (status: number, data: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(data));
      if (failure) {
        failure.times--;
        return send(failure.status, { message: `scripted ${failure.status}` }, failure.headers);
      }
      const status = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]+)$/.exec(path);
      if (req.method === 'POST' && status) return send(201, { id: this.requests.length, ...body });
      const pull = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path);
      const fixture = pull ? this.pulls.get(`${pull[1]}/${pull[2]}#${pull[3]}`) : undefined;
      if (req.method === 'GET' && pull && fixture) {
        return send(200, {
          number: Number(pull[3]),
          head: { ref: fixture.head.ref, sha: fixture.head.sha, repo: { full_name: fixture.head.fullName, clone_url: fixture.head.cloneUrl } },
          base: { ref: 'master', repo: { full_name: fixture.baseFullName } },
        });
      }
      return send(404, { message: 'Not Found' });
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  fail(match: RegExp, status: number, times = 1, headers?: Record<string, string>): void {
    this.failures.push({ match, status, times, headers });
  }

  /** Forgets recorded requests and scripted failures. */
  reset(): void {
    this.requests.length = 0;
    this.failures.length = 0;
  }

  statuses(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.includes('/statuses/'));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}
