import { auth } from './auth';
import type { Agent, ApiProjectBuilds, ApiStats, ApiWall, Build, NotificationAttempt, Project } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function headers(extra?: HeadersInit): Headers {
  const h = new Headers(extra);
  const token = auth.token();
  if (token) h.set('authorization', `Bearer ${token}`);
  return h;
}

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const sent = auth.token();
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: headers(init.headers) });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'Roger is not reachable: check that the server is running.');
  }
  if (res.status === 401) {
    auth.unauthorized(sent);
    throw new ApiError(401, 'a valid API token is required');
  }
  return res;
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await send(path, init);
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const message = typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' ? body.message : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  if (typeof body !== 'object' || body === null) throw new ApiError(res.status, 'the server answered something that is not JSON');
  return body as T;
}

const postJson = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export interface BuildQuery {
  limit: number;
  status?: string;
  group?: string;
}

export const api = {
  builds: async (q: BuildQuery, signal?: AbortSignal): Promise<Build[]> => {
    const params = new URLSearchParams({ limit: String(q.limit) });
    if (q.status) params.set('status', q.status);
    if (q.group) params.set('group', q.group);
    return (await json<{ builds: Build[] }>(`/api/builds?${params}`, { signal })).builds;
  },
  build: async (id: string, signal?: AbortSignal): Promise<Build> =>
    (await json<{ build: Build }>(`/api/builds/${encodeURIComponent(id)}`, { signal })).build,
  notifications: async (id: string, signal?: AbortSignal): Promise<NotificationAttempt[]> =>
    (await json<{ notifications: NotificationAttempt[] }>(`/api/builds/${encodeURIComponent(id)}/notifications`, { signal })).notifications,
  projects: async (limit: number, signal?: AbortSignal): Promise<Project[]> =>
    (await json<{ projects: Project[] }>(`/api/projects?limit=${limit}`, { signal })).projects,
  /** Every project's latest build on its default branch. */
  wall: (signal?: AbortSignal): Promise<ApiWall> => json('/api/wall', { signal }),
  /** A project's newest builds (newest first) and its pass rate over them. */
  projectBuilds: (name: string, limit: number, signal?: AbortSignal): Promise<ApiProjectBuilds> =>
    json(`/api/projects/${encodeURIComponent(name)}/builds?limit=${limit}`, { signal }),
  stats: (hours: number, signal?: AbortSignal): Promise<ApiStats> => json(`/api/stats?hours=${hours}`, { signal }),
  agents: async (signal?: AbortSignal): Promise<Agent[]> => (await json<{ agents: Agent[] }>('/api/agents', { signal })).agents,
  requestBuild: (input: { repo: string; branch?: string; options?: Record<string, boolean> }): Promise<{ id: string; message: string }> =>
    json('/api/build', postJson(input)),
  cancel: (id: string): Promise<{ message: string }> => json(`/api/builds/${encodeURIComponent(id)}/cancel`, postJson({})),
  rebuild: (id: string): Promise<{ id: string }> => json(`/api/builds/${encodeURIComponent(id)}/rebuild`, postJson({})),
  /** What the server says about itself: warnings for whoever runs it (e.g. that anyone may queue builds). */
  server: async (signal?: AbortSignal): Promise<{ warnings: string[] }> => json('/api/server', { signal }),
  /** Checks a token before keeping it. */
  tryToken: async (token: string): Promise<boolean> => {
    const res = await fetch('/api/builds?limit=1', { headers: { authorization: `Bearer ${token}` } });
    return res.status !== 401;
  },
  /**
   * Reads the build's log as it grows; `onText` gets each decoded piece. Resolves when the server ends
   * the stream (the build finished), rejects on a network error or abort.
   */
  async followLog(id: string, onText: (text: string) => void, signal: AbortSignal): Promise<void> {
    const res = await send(`/api/builds/${encodeURIComponent(id)}/log`, { signal });
    if (!res.ok || !res.body) throw new ApiError(res.status, `could not read the log (${res.status})`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onText(value);
    }
  },
  /** The server's build events (`text/event-stream`), read with fetch so the token goes in a header, never the URL. */
  async followEvents(onText: (text: string) => void, signal: AbortSignal): Promise<void> {
    const res = await send('/api/events', { signal, headers: { accept: 'text/event-stream' } });
    if (!res.ok || !res.body) throw new ApiError(res.status, `could not open the event stream (${res.status})`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onText(value);
    }
  },
};

/** Where a project's status badge is served; `name` is Roger's `<repo>__<project>` id. */
export const badgeUrl = (origin: string, name: string, branch: string): string =>
  `${origin}/api/projects/${encodeURIComponent(name)}/badge.svg${branch ? `?branch=${encodeURIComponent(branch)}` : ''}`;
