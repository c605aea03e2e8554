import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMasker, secretValues } from '../../src/config/mask.js';
import type { BuildRecord } from '../../src/core/build.js';
import type { Config } from '../../src/core/config.js';
import type { Notifier, NotifierName } from '../../src/core/notifier.js';
import type { Project } from '../../src/core/project.js';
import type { Store } from '../../src/core/store.js';
import { LogHub } from '../../src/logs/hub.js';
import { createNotifications, type Notifications } from '../../src/notify/dispatch.js';
import { createNotifiers } from '../../src/notify/registry.js';
import { openStore } from '../../src/store/open.js';

/** The notifications listener over a real in-memory SQLite store and log hub. */
export interface Harness {
  store: Store;
  notifications: Notifications;
  /** A queued build stored for real, then patched (status, author...). */
  stored(over?: Partial<BuildRecord>): Promise<BuildRecord>;
  log(groupId: string): Promise<string>;
  close(): Promise<void>;
}

export async function harness(config: Config, given: Partial<Record<NotifierName, Notifier>> = {}): Promise<Harness> {
  const store = await openStore(':memory:', { dataDir: config.paths.builds });
  const mask = createMasker(secretValues(config));
  const logs = new LogHub(store, { mask, flushMs: 1 });
  const notifications = createNotifications({ config, store, logs, mask, notifiers: createNotifiers(config, given) });
  return {
    store,
    notifications,
    async stored(over = {}) {
      const { build } = await store.createBuild({ repo: over.repo ?? 'https://git.example/octo/app.git', branch: 'master', trigger: 'api', options: {} });
      const { id: _id, groupId: _g, createdAt: _c, updatedAt: _u, options: _o, trigger: _t, ...patch } = over;
      return store.updateBuild(build.id, { project: `${build.repo}__app`, status: 'passed', commit: 'c'.repeat(40), durationMs: 1234, ...patch });
    },
    log: (groupId) => store.readLog(groupId, 0),
    close: () => store.close(),
  };
}

export function project(notify: string[], name = 'app'): Project {
  return { name, dockerfilePath: '.', dockerfile: 'Dockerfile', afterBuild: [], notify, publish: [] };
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A real HTTP receiver on 127.0.0.1 recording every request. `answer` scripts the reply: a status,
 * or 'hang' to never answer.
 */
export class Receiver {
  readonly requests: Received[] = [];
  answer: (req: Received) => number | 'hang' = () => 200;
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString() };
      this.requests.push(r);
      const a = this.answer(r);
      if (a === 'hang') return;
      res.writeHead(a, { 'content-type': 'text/plain' }).end(a < 300 ? 'ok' : `answer ${a}`);
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
