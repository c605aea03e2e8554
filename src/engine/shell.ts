import { finished } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import type { ShellExec } from '../core/engine.js';
import type { BuildLog } from '../core/log.js';
import { abortable } from './abort.js';
import type { EngineClient } from './client.js';
import { withContainer } from './container.js';
import { canceled, statusCodeOf, toEngineError } from './errors.js';
import { LineSink, OutputBudget } from './output.js';
import { drained, sinkStream } from './run.js';

/**
 * One container for several commands: started once, each command by `docker exec`, so a build with
 * many after-build commands pays for one container instead of one per command.
 */

/** How often a command's end is looked for when its output stream stays open (a child left running). */
const EXIT_POLL_MS = 250;
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * A shell reading its stdin, kept open by the engine (`docker run -i`): it needs nothing in the image
 * but the `/bin/sh` every command needs anyway (no `sleep`), and ends when the container is removed.
 */
function idleShell(image: string): Dockerode.ContainerCreateOptions {
  return {
    Image: image,
    Cmd: ['/bin/sh'],
    Tty: false,
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: { AutoRemove: false },
  };
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The exec'd process's exit code, or undefined while it runs. */
async function exitCodeOf(exec: Dockerode.Exec): Promise<number | undefined> {
  const info = await exec.inspect();
  return !info.Running && typeof info.ExitCode === 'number' ? info.ExitCode : undefined;
}

/** Polls for the process's end; undefined once `stop.done` is set first. */
async function pollExit(exec: Dockerode.Exec, stop: { done: boolean }): Promise<number | undefined> {
  for (;;) {
    await pause(EXIT_POLL_MS);
    if (stop.done) return undefined;
    const code = await exitCodeOf(exec);
    if (code !== undefined) return code;
  }
}

async function runExec(docker: Dockerode, container: Dockerode.Container, command: string, log: BuildLog): Promise<{ exitCode: number }> {
  const exec = await container.exec({
    Cmd: ['/bin/sh', '-c', command],
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const budget = new OutputBudget(log);
  const stdout = new LineSink(log, budget);
  const stderr = new LineSink(log, budget);
  docker.modem.demuxStream(stream, sinkStream(stdout), sinkStream(stderr));
  // Usually the output ends with the process. A child it left in the background can hold the output
  // open, so the process's own end is polled for too (slowly: it only matters in that case).
  const stop = { done: false };
  const outputEnded = finished(stream).then(
    () => undefined,
    () => undefined,
  );
  let exitCode = await Promise.race([outputEnded, pollExit(exec, stop)]);
  stop.done = true;
  if (exitCode === undefined) {
    // The output has ended, so the process has or is about to; the engine may lag a moment behind.
    while ((exitCode = await exitCodeOf(exec)) === undefined) await pause(20);
  } else {
    await drained(stream, DRAIN_TIMEOUT_MS);
    stream.destroy();
  }
  stdout.flush();
  stderr.flush();
  return { exitCode };
}

export async function withShell<T>(
  client: EngineClient,
  image: string,
  signal: AbortSignal | undefined,
  use: (exec: ShellExec) => Promise<T>,
): Promise<{ value: T } | undefined> {
  const what = `Shared container of ${image}`;
  const ctx = { endpoint: client.endpoint, what, signal };
  if (signal?.aborted) throw canceled(what);
  let entrypoint: string | string[] | null | undefined;
  try {
    const docker = await client.docker();
    entrypoint = (await docker.getImage(image).inspect()).Config.Entrypoint;
  } catch (err) {
    throw toEngineError(err, ctx);
  }
  // A fresh run sends the command through the ENTRYPOINT; an exec would bypass it and behave otherwise.
  if (entrypoint && entrypoint.length > 0) return undefined;
  return withContainer(client, idleShell(image), ctx, async (container, docker, remove) => {
    try {
      await container.start();
    } catch (err) {
      // The runtime refuses to start a container whose command does not exist: no /bin/sh here.
      if (statusCodeOf(err) === 400 || statusCodeOf(err) === 500) return undefined;
      throw err;
    }
    const exec: ShellExec = (command, log) => runExec(docker, container, command, log);
    // Removing with force kills whatever runs in it; the abort does not wait for that.
    const value = await abortable(use(exec), signal, what, () => void remove().catch(() => undefined));
    return { value };
  });
}
