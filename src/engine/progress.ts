import type { BuildLog } from '../core/log.js';

/**
 * The engine's JSON-lines streams (build, pull, push) and how Roger reports them. The engine sends one
 * JSON object per line; progress bars arrive as thousands of `status` updates per layer, so they are
 * summarised to one log line per layer state change.
 */

export interface EngineMessage {
  stream?: string;
  status?: string;
  id?: string;
  error?: string;
  aux?: { ID?: string; Digest?: string };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A field of a JSON object; undefined for anything else (arrays included). */
function get(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Reflect.get(value, key) : undefined;
}

/** One line of the stream, narrowed to the fields Roger uses; undefined for anything that is not JSON. */
export function parseMessage(line: string): EngineMessage | undefined {
  let m: unknown;
  try {
    m = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return undefined;
  const msg: EngineMessage = {};
  const stream = str(get(m, 'stream'));
  const status = str(get(m, 'status'));
  const id = str(get(m, 'id'));
  // `errorDetail.message` is the full text; `error` is the same or shorter, and older engines only
  // send one of them.
  const error = str(get(get(m, 'errorDetail'), 'message')) || str(get(m, 'error'));
  const aux = get(m, 'aux');
  if (stream !== undefined) msg.stream = stream;
  if (status !== undefined) msg.status = status;
  if (id !== undefined) msg.id = id;
  if (error !== undefined) msg.error = error;
  if (typeof aux === 'object' && aux !== null) {
    const ID = str(get(aux, 'ID'));
    const Digest = str(get(aux, 'Digest'));
    msg.aux = {};
    if (ID !== undefined) msg.aux.ID = ID;
    if (Digest !== undefined) msg.aux.Digest = Digest;
  }
  return msg;
}

/**
 * Reads the stream to its end, calling `onMessage` per JSON line. Rejects when the stream errors or
 * closes before its end (the connection to the engine dropped or the request was aborted).
 */
export async function readMessages(stream: NodeJS.ReadableStream, onMessage: (m: EngineMessage) => void): Promise<void> {
  let buffered = '';
  const emit = (line: string): void => {
    const m = line.trim() ? parseMessage(line) : undefined;
    if (m) onMessage(m);
  };
  for await (const chunk of stream) {
    buffered += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      emit(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  }
  emit(buffered);
}

/** Layer states not worth a line: every layer goes through them before anything happens. */
const QUIET = new Set(['Preparing', 'Waiting', 'Pulling fs layer', 'Verifying Checksum']);

/**
 * Turns `status` messages into log lines: a message about a layer (`id`) is logged only when that
 * layer's state changes, so a progress bar's many `Downloading`/`Pushing` updates become one line.
 */
export class ProgressSummary {
  private readonly states = new Map<string, string>();

  constructor(private readonly log: BuildLog) {}

  handle(m: EngineMessage): void {
    const status = m.status?.trim();
    if (!status) return;
    if (m.id === undefined) {
      this.log.write(status);
      return;
    }
    if (QUIET.has(status) || this.states.get(m.id) === status) return;
    this.states.set(m.id, status);
    this.log.write(`${m.id}: ${status}`);
  }
}

/** The manifest digest of a push: from `aux.Digest`, or the `<tag>: digest: sha256:... size: N` line. */
export function digestOf(m: EngineMessage): string | undefined {
  if (m.aux?.Digest) return m.aux.Digest;
  return /\bdigest: (sha256:[0-9a-f]{64})\b/.exec(m.status ?? '')?.[1];
}
