import { useEffect, useRef, useState } from 'react';
import { ApiError, api } from './api';
import { useAuth } from './auth';
import type { Build } from './types';

export interface BuildChange {
  type: 'created' | 'started' | 'finished' | 'skipped';
  build: Build;
}

/** After a dropped stream, try again this soon; after a refusal (too many streams), later. */
const RETRY_MS = 3000;
const REFUSED_RETRY_MS = 30_000;

/**
 * Follows the server's build events while the page is shown. `onChange` gets each change, and
 * `undefined` whenever the stream (re)opens: what happened while it was down is unknown, so reload.
 * Returns whether the stream is open; while it is not, pages poll as they did before.
 */
export function useBuildEvents(onChange: (change: BuildChange | undefined) => void): boolean {
  const { generation } = useAuth();
  const [live, setLive] = useState(false);
  const ref = useRef(onChange);
  ref.current = onChange;

  useEffect(() => {
    let stopped = false;
    let controller: AbortController | undefined;
    let timer = 0;
    const connect = () => {
      controller = new AbortController();
      let buf = '';
      let opened = false;
      api
        .followEvents((text) => {
          if (!opened) {
            opened = true;
            setLive(true);
            ref.current(undefined);
          }
          buf += text;
          for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
            const frame = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const data = frame
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trimStart())
              .join('\n');
            if (!data) continue;
            try {
              ref.current(JSON.parse(data) as BuildChange);
            } catch {
              // a frame this page does not understand changes nothing it shows
            }
          }
        }, controller.signal)
        .then(
          () => RETRY_MS,
          (err: unknown) => (err instanceof ApiError && (err.status === 503 || err.status === 401) ? REFUSED_RETRY_MS : RETRY_MS),
        )
        .then((delay) => {
          if (stopped) return;
          setLive(false);
          timer = window.setTimeout(connect, delay);
        });
    };
    connect();
    return () => {
      stopped = true;
      controller?.abort();
      window.clearTimeout(timer);
      setLive(false);
    };
  }, [generation]);

  return live;
}
