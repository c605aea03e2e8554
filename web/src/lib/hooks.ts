import { useCallback, useEffect, useRef, useState } from 'react';
import { useAuth } from './auth';

/** The current time, refreshed every `ms`, for relative times and running durations. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

export interface Resource<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
  /** Changes the loaded data in place (a live event said what changed); nothing before it is loaded. */
  update(change: (data: T) => T): void;
}

/**
 * Loads `load()` now, again whenever `key` or the API token changes, and every `interval(data)` ms
 * (null: no polling). A hidden tab does not poll; it loads once when it becomes visible again.
 */
export function usePolled<T>(key: string, load: (signal: AbortSignal) => Promise<T>, interval: (data: T | undefined) => number | null): Resource<T> {
  const { generation } = useAuth();
  const [state, setState] = useState<{ key: string; data?: T; error?: Error }>({ key });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const update = useCallback(
    (change: (data: T) => T) => setState((s) => (s.key === key && s.data !== undefined ? { ...s, data: change(s.data) } : s)),
    [key],
  );

  useEffect(() => {
    const controller = new AbortController();
    loadRef.current(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ key, data }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState((s) => ({ key, data: s.key === key ? s.data : undefined, error: error instanceof Error ? error : new Error(String(error)) }));
      },
    );
    return () => controller.abort();
  }, [key, generation, tick]);

  const current = state.key === key ? state : { key, data: undefined, error: undefined };
  const delay = current.error ? 5000 : interval(current.data);
  useEffect(() => {
    if (delay === null) return;
    const timer = window.setTimeout(() => {
      if (document.visibilityState === 'visible') reload();
    }, delay);
    const onVisible = () => document.visibilityState === 'visible' && reload();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [delay, state, reload]);

  return { data: current.data, error: current.error, loading: current.data === undefined && current.error === undefined, reload, update };
}

/** Sets the tab's title while a page is shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Roger` : 'Roger';
  }, [title]);
}
