import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import type { RunRequest } from '../core/engine.js';
import { systemError } from '../core/errors.js';
import type { BuildLog } from '../core/log.js';
import { abortable } from './abort.js';
import type { EngineClient } from './client.js';
import { withContainer } from './container.js';
import { canceled } from './errors.js';
import { LineSink, OutputBudget } from './output.js';

/** `docker run --rm image /bin/sh -c command`, its output streamed into the build log. */

/** How long to wait for output still in flight once the container has exited. */
const DRAIN_TIMEOUT_MS = 10_000;

export function sinkStream(sink: LineSink): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      sink.push(chunk);
      callback();
    },
  });
}

function exitCodeOf(result: unknown): number {
  const code = typeof result === 'object' && result !== null ? Reflect.get(result, 'StatusCode') : undefined;
  if (typeof code !== 'number') throw systemError(`The Docker engine reported no exit code: ${JSON.stringify(result)}`);
  return code;
}

/** Resolves when the output stream has ended, or after `ms` at the latest. */
export async function drained(stream: NodeJS.ReadableStream, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  // A broken output connection only loses output; the exit code is what matters.
  await Promise.race([finished(stream).catch(() => undefined), timeout]);
  clearTimeout(timer);
}

export async function execute(docker: Dockerode, container: Dockerode.Container, log: BuildLog): Promise<{ exitCode: number }> {
  // Attached before start, so not a byte of output is missed.
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const budget = new OutputBudget(log);
  const stdout = new LineSink(log, budget);
  const stderr = new LineSink(log, budget);
  docker.modem.demuxStream(stream, sinkStream(stdout), sinkStream(stderr));
  await container.start();
  const exitCode = exitCodeOf(await container.wait());
  await drained(stream, DRAIN_TIMEOUT_MS);
  stdout.flush();
  stderr.flush();
  return { exitCode };
}

/** A container that runs `/bin/sh -c command` with its output attached. */
export function commandContainer(image: string, command: string): Dockerode.ContainerCreateOptions {
  return {
    Image: image,
    Cmd: ['/bin/sh', '-c', command],
    Tty: false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: false,
    // Removal is ours (in every outcome); AutoRemove would race with reading the exit code.
    HostConfig: { AutoRemove: false },
  };
}

export async function runCommand(client: EngineClient, req: RunRequest): Promise<{ exitCode: number }> {
  const what = `Command in ${req.image}`;
  if (req.signal?.aborted) throw canceled(what);
  return withContainer(
    client,
    commandContainer(req.image, req.command),
    { endpoint: client.endpoint, what, signal: req.signal },
    (container, docker, remove) =>
      // Removing with force kills the command; the abort does not wait for it to die.
      abortable(execute(docker, container, req.log), req.signal, what, () => void remove().catch(() => undefined)),
  );
}
