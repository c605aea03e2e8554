import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { api, ApiError } from '../lib/api';
import { useAuth } from '../lib/auth';
import { plainLine } from '../lib/format';

/** Lines are rendered in frozen blocks so a long log re-renders only its last block as it grows. */
const BLOCK = 250;
/** Within this many pixels of the end counts as "at the bottom": the view follows new lines. */
const STICKY_PX = 40;

type StreamState = 'connecting' | 'live' | 'ended' | 'error';

interface Buffer {
  blocks: string[][];
  partial: string;
  count: number;
}

const emptyBuffer = (): Buffer => ({ blocks: [], partial: '', count: 0 });

function append(buf: Buffer, text: string): void {
  const parts = (buf.partial + text).split('\n');
  buf.partial = parts.pop() ?? '';
  for (const raw of parts) {
    const last = buf.blocks[buf.blocks.length - 1];
    const line = plainLine(raw);
    // The growing block is replaced, never mutated, so memoized full blocks stay untouched.
    if (!last || last.length >= BLOCK) buf.blocks.push([line]);
    else buf.blocks[buf.blocks.length - 1] = [...last, line];
    buf.count += 1;
  }
}

/** Roger stamps every log line with an ISO time; it is shown apart, short and dimmed. */
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$/s;
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

function lineKind(text: string): string {
  if (/^Step \d+\/\d+ :/.test(text) || /^(Building|Pushing|Fetching|Running) /.test(text)) return ' log-step';
  if (/^(PASSED|Build passed)\b/.test(text)) return ' log-ok';
  if (/^(FAILED|Build failed|Build canceled|CANCELED|ERROR|error:|Error:)/.test(text)) return ' log-err';
  if (/^(WARNING|warning:|Warning:)/.test(text)) return ' log-warn';
  return '';
}

function LogLine({ raw, n, partial = false }: { raw: string; n: number; partial?: boolean }) {
  const m = STAMP.exec(raw);
  const text = m?.[2] ?? raw;
  const time = m?.[1];
  return (
    <div className={`log-line${lineKind(text)}${partial ? ' log-partial' : ''}`} data-line={n}>
      {time && (
        <time className="log-time" dateTime={time} title={time}>
          {clock.format(new Date(time))}
        </time>
      )}
      <span className="log-text">{text || '\u00a0'}</span>
    </div>
  );
}

const LogBlock = memo(function LogBlock({ lines, first }: { lines: string[]; first: number }) {
  return (
    <>
      {lines.map((line, i) => (
        <LogLine key={i} raw={line} n={first + i} />
      ))}
    </>
  );
});

export interface LogViewProps {
  buildId: string;
  /** The build has not finished: show that more is coming. */
  active: boolean;
  /** The server closed the stream: the build (group) finished. */
  onEnded(): void;
  /** The first output arrived: the build has surely started, so its status is worth a fresh look. */
  onOutput?(): void;
}

/** The group's log, streamed with fetch while the build runs; plain text, never HTML. */
export const LogView = memo(function LogView({ buildId, active, onEnded, onOutput }: LogViewProps) {
  const { generation } = useAuth();
  const box = useRef<HTMLDivElement>(null);
  const buf = useRef<Buffer>(emptyBuffer());
  const [, setVersion] = useState(0);
  const [stream, setStream] = useState<{ state: StreamState; error?: string }>({ state: 'connecting' });
  const [attempt, setAttempt] = useState(0);
  const [follow, setFollow] = useState(true);
  const [wrap, setWrap] = useState(true);
  const [times, setTimes] = useState(true);
  const endedRef = useRef(onEnded);
  endedRef.current = onEnded;
  const outputRef = useRef(onOutput);
  outputRef.current = onOutput;

  useEffect(() => {
    const controller = new AbortController();
    buf.current = emptyBuffer();
    setVersion((v) => v + 1);
    setStream({ state: 'connecting' });
    let frame = 0;
    // Many small chunks arrive at once during a build: render at most once per frame.
    const schedule = () => {
      if (frame === 0) frame = requestAnimationFrame(() => ((frame = 0), setVersion((v) => v + 1)));
    };
    let opened = false;
    api
      .followLog(
        buildId,
        (text) => {
          if (!opened) {
            opened = true;
            setStream({ state: 'live' });
            outputRef.current?.();
          }
          append(buf.current, text);
          schedule();
        },
        controller.signal,
      )
      .then(
        () => {
          if (controller.signal.aborted) return;
          // The log is complete: a last line without a newline is a line like any other.
          if (buf.current.partial) append(buf.current, '\n');
          setStream({ state: 'ended' });
          setVersion((v) => v + 1);
          endedRef.current();
        },
        (err: unknown) => {
          if (controller.signal.aborted || (err instanceof ApiError && err.status === 401)) return;
          setStream({ state: 'error', error: err instanceof Error ? err.message : String(err) });
        },
      );
    // The request is open as soon as fetch answers; show "live" even before the first byte.
    const openTimer = window.setTimeout(() => setStream((s) => (s.state === 'connecting' ? { state: 'live' } : s)), 400);
    return () => {
      controller.abort();
      cancelAnimationFrame(frame);
      window.clearTimeout(openTimer);
    };
  }, [buildId, generation, attempt]);

  // After each render with new lines, keep the end in view unless the reader scrolled away.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  });

  const onScroll = useCallback(() => {
    const el = box.current;
    if (!el) return;
    setFollow(el.scrollHeight - el.scrollTop - el.clientHeight <= STICKY_PX);
  }, []);

  const jumpToEnd = () => {
    setFollow(true);
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  const { blocks, partial, count } = buf.current;
  const total = count + (partial ? 1 : 0);
  const streaming = stream.state === 'live' && active;

  return (
    <section className="log-panel" aria-labelledby="log-title">
      <div className="log-toolbar">
        <h2 id="log-title" className="log-title">
          Log
          <span className="log-count">
            {total} {total === 1 ? 'line' : 'lines'}
          </span>
        </h2>
        <span className={`log-state log-state-${streaming ? 'live' : stream.state}`} role="status" aria-live="polite">
          {stream.state === 'connecting' && 'Connecting…'}
          {streaming && (
            <>
              <span className="live-dot" aria-hidden="true" /> Live
            </>
          )}
          {stream.state === 'live' && !active && 'Finishing…'}
          {stream.state === 'ended' && 'Complete'}
          {stream.state === 'error' && 'Disconnected'}
        </span>
        <div className="log-actions">
          <label className="toggle">
            <input type="checkbox" checked={times} onChange={(e) => setTimes(e.target.checked)} /> Times
          </label>
          <label className="toggle">
            <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} /> Wrap
          </label>
          {!follow && (
            <button type="button" className="button button-small" onClick={jumpToEnd}>
              Follow ↓
            </button>
          )}
        </div>
      </div>
      {stream.state === 'error' && (
        <div className="notice notice-error" role="alert">
          <span>The log stream was interrupted: {stream.error}</span>
          <button type="button" className="button button-small" onClick={() => setAttempt((a) => a + 1)}>
            Reconnect
          </button>
        </div>
      )}
      <div
        ref={box}
        className={`log${wrap ? ' log-wrap' : ''}${times ? '' : ' log-no-times'}`}
        onScroll={onScroll}
        tabIndex={0}
        // A scrollable region, not a live one: a build prints too fast to be read aloud line by line.
        role="region"
        aria-label="Build log"
        data-testid="log"
      >
        {total === 0 ? (
          <p className="log-empty">{stream.state === 'ended' ? 'This build wrote no log.' : active ? 'Waiting for output…' : 'Loading the log…'}</p>
        ) : (
          <div className="log-lines">
            {blocks.map((lines, i) => (
              <LogBlock key={i} lines={lines} first={i * BLOCK + 1} />
            ))}
            {partial && <LogLine raw={plainLine(partial)} n={count + 1} partial />}
          </div>
        )}
      </div>
    </section>
  );
});
