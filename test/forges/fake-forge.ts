import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
}

/**
 * A recording stand-in for a forge's REST API on 127.0.0.1: accepts commit statuses (201) and answers
 * `GET` requests from `answers` by path (404 otherwise).
 */
export class ApiRecorder {
  readonly requests: Recorded[] = [];
  readonly answers = new Map<string, unknown>();
  url = '';
  private server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const path = req.url ?? '/';
      this.requests.push({ method: req.method ?? '', path, headers: req.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined });
      const send = (status: number, data: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
      if (req.method === 'POST' && path.includes('/statuses/')) return send(201, { id: this.requests.length });
      const answer = req.method === 'GET' ? this.answers.get(path) : undefined;
      return answer === undefined ? send(404, { message: 'Not Found' }) : send(200, answer);
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  statuses(): Recorded[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.includes('/statuses/'));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
