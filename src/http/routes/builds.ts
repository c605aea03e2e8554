import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { BUILD_STATUSES, FINISHED, type BuildStatus } from '../../core/build.js';
import { badInput, notFound } from '../../core/errors.js';
import { cancelBuild } from '../../trigger/cancel.js';
import { waitingReasons } from '../../agents/waiting.js';
import { requestBuild } from '../../trigger/request.js';
import type { AppDeps } from '../app.js';
import { requestDeps } from '../request-deps.js';
import { parseId, parseLimit } from '../params.js';
import { renderBuild, renderNotification } from '../render.js';

interface IdParams {
  id: string;
}

export function buildsRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { store } = deps;
  const load = async (raw: unknown) => {
    const build = await store.getBuild(parseId(raw));
    if (!build) throw notFound('build not found');
    return build;
  };
  notificationsRoute(app, deps);

  app.get<{ Querystring: { limit?: string; status?: string; group?: string } }>('/api/builds', async (req) => {
    const limit = parseLimit(req.query.limit);
    const status = req.query.status;
    if (status !== undefined && !BUILD_STATUSES.includes(status as BuildStatus)) throw badInput(`status must be one of ${BUILD_STATUSES.join(', ')}`);
    // `&group=ID`: the builds of one request (the web UI links siblings), whatever their age.
    const builds =
      req.query.group === undefined
        ? await store.listBuilds({ limit, status: status as BuildStatus | undefined })
        : (await store.listGroup(parseId(req.query.group))).filter((b) => status === undefined || b.status === status).slice(0, limit);
    const waiting = await waitingReasons(store, builds);
    return { builds: builds.map((b) => renderBuild(b, waiting.get(b.id))) };
  });

  app.get<{ Params: IdParams }>('/api/builds/:id', async (req) => {
    const build = await load(req.params.id);
    return { build: renderBuild(build, (await waitingReasons(store, [build])).get(build.id)) };
  });

  // Streams the group's log while it grows and ends when every build of the group has finished.
  // Follows are capped per client and in all (429 beyond), before anything is read from the store.
  // The response is taken over (hijacked) so its headers go out at once: a queued build has no log
  // yet, and a client should not wait for the first line to learn that the stream is open.
  app.get<{ Params: IdParams }>('/api/builds/:id/log', async (req, reply) => {
    const slot = deps.logs.admit(req.ip);
    if ('refused' in slot) return reply.code(429).header('retry-after', '5').send({ message: slot.refused });
    try {
      const build = await load(req.params.id);
      const controller = new AbortController();
      reply.hijack();
      const res = reply.raw;
      // The request is in; from here the server is the slow side. A quiet build step must not look
      // like an idle connection (connectionTimeout) and cut the stream.
      req.raw.socket.setTimeout(0);
      // `connection: close`: a follow can outlive the server's decision to stop; its socket must not then
      // linger as an idle keep-alive connection that holds the shutdown up.
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        connection: 'close',
      });
      res.flushHeaders();
      res.on('close', () => controller.abort());
      await pipeline(Readable.from(deps.logs.follow(build.groupId, controller.signal)), res).catch((err: unknown) => {
        // A client that went away is routine; anything else is ours to look at.
        if (!controller.signal.aborted) req.log.warn({ err }, 'log stream failed');
        res.destroy();
      });
    } finally {
      slot.release();
    }
  });

  app.post<{ Params: IdParams }>('/api/builds/:id/cancel', async (req, reply) => {
    const build = await load(req.params.id);
    if (FINISHED.includes(build.status)) return reply.code(409).send({ message: `build already ${build.status}` });
    await cancelBuild(requestDeps(deps), build, 'canceled by request');
    return reply.code(202).send({ message: 'build canceled', id: build.id });
  });

  app.post<{ Params: IdParams }>('/api/builds/:id/rebuild', async (req, reply) => {
    const old = await load(req.params.id);
    // Rebuilding without the values would quietly build something else than what was asked for.
    if (old.options.buildargNames) {
      const names = old.options.buildargNames.join(', ');
      throw badInput(`build ${old.id} had build args (${names}) whose values were not kept once it started; request a new build with them`);
    }
    // A rebuild is asked for explicitly: webhook matching no longer applies, only the build options do.
    const { webhook: _webhook, ...options } = old.options;
    const { build } = await requestBuild(requestDeps(deps, req.log), { repo: old.repo, branch: old.branch, options, trigger: 'api' });
    return reply.code(202).send({ message: 'build scheduled', id: build.id, build: renderBuild(build) });
  });
}

/** `GET /api/builds/:id/notifications`: every notification attempt for the build, oldest first. */
function notificationsRoute(app: FastifyInstance, deps: AppDeps): void {
  app.get<{ Params: IdParams }>('/api/builds/:id/notifications', async (req) => {
    const build = await deps.store.getBuild(parseId(req.params.id));
    if (!build) throw notFound('build not found');
    return { notifications: (await deps.store.listNotifications(build.id)).map(renderNotification) };
  });
}
