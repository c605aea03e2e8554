import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ImageBuildRequest } from '../core/engine.js';
import { buildFailed, systemError, toError } from '../core/errors.js';
import type { BuildLog } from '../core/log.js';
import { abortable } from './abort.js';
import type { EngineClient } from './client.js';
import { canceled, dockerMessage, statusCodeOf, toEngineError } from './errors.js';
import { BUILD_OUTPUT_LIMIT, LineSink, OUTPUT_LIMIT, OutputBudget } from './output.js';
import { ProgressSummary, readMessages } from './progress.js';
import { splitTag } from './ref.js';

/** `docker build` over the Engine API with the legacy builder, reported into the build log. */

const STEP = /^Step \d+\/\d+ : /;

function buildOptions(req: ImageBuildRequest, tag: string | undefined): Dockerode.ImageBuildOptions {
  const opts: Dockerode.ImageBuildOptions = {
    dockerfile: req.dockerfile,
    // Intermediate containers go even when a step fails: the contract is that no container survives.
    rm: true,
    forcerm: true,
    // Base images are pulled beforehand, with the credentials of their registries.
    pull: false,
  };
  // Without `t` the image is only known by its id.
  if (tag) opts.t = tag;
  if (req.nocache !== undefined) opts.nocache = req.nocache;
  if (req.buildargs && Object.keys(req.buildargs).length > 0) opts.buildargs = req.buildargs;
  if (req.target) opts.target = req.target;
  if (req.labels && Object.keys(req.labels).length > 0) opts.labels = req.labels;
  if (req.signal) opts.abortSignal = req.signal;
  return opts;
}

/** Follows the build's JSON stream into the log; resolves with the image id the engine reported. */
async function follow(response: NodeJS.ReadableStream, log: BuildLog): Promise<string> {
  // Each step gets its own output budget, so one noisy RUN does not hide the steps after it. A step
  // header cannot be told from a RUN printing the same text, so the step budget is reset on either;
  // the whole build's budget is never reset, and bounds the log whatever a RUN prints.
  const total = new OutputBudget(log, { limit: BUILD_OUTPUT_LIMIT, scope: 'for the whole build' });
  const budget = new OutputBudget(log, { limit: OUTPUT_LIMIT, parent: total, scope: 'in this step' });
  const lines = new LineSink(log, budget, (line) => {
    if (STEP.test(line)) budget.reset();
  });
  const progress = new ProgressSummary(log);
  let imageId: string | undefined;
  let error: string | undefined;
  await readMessages(response, (m) => {
    if (m.stream !== undefined) lines.push(m.stream);
    if (m.status !== undefined) {
      // A pull inside a step reports between a step's text and its newline; keep the order.
      lines.flush();
      progress.handle(m);
    }
    if (m.aux?.ID) imageId = m.aux.ID;
    if (m.error) error ??= m.error;
  });
  lines.flush();
  if (error !== undefined) throw buildFailed(error);
  if (!imageId) throw systemError('The Docker engine ended the build without reporting an image id');
  return imageId;
}

export async function buildImage(client: EngineClient, req: ImageBuildRequest): Promise<{ imageId: string }> {
  const [first, ...rest] = req.tags;
  const what = first ? `Build of ${first}` : 'Untagged build';
  let response: NodeJS.ReadableStream | undefined;
  // A context that fails to read (a file vanished mid-pack) cuts the upload; its error, not the
  // broken request's, is the story. Listening also keeps an unconsumed context's error from being
  // an uncaught exception.
  let contextError: unknown;
  req.context.on('error', (err: unknown) => {
    contextError ??= err;
  });
  try {
    if (req.signal?.aborted) throw canceled(what);
    const docker = await client.docker();
    const work = (async () => {
      response = await docker.buildImage(req.context, buildOptions(req, first));
      const imageId = await follow(response, req.log);
      for (const ref of rest) await docker.getImage(imageId).tag(splitTag(ref));
      return imageId;
    })();
    // The abort signal also reaches the HTTP request; closing the connection is what makes the
    // engine stop the build and kill the step's container.
    const imageId = await abortable(work, req.signal, what, () => {
      if (response instanceof Readable) response.destroy();
    });
    return { imageId };
  } catch (err) {
    if (contextError !== undefined && !req.signal?.aborted) {
      throw systemError(`${what} failed: reading the build context failed: ${toError(contextError).message}`, contextError);
    }
    // A Dockerfile the engine refuses (parse error, unknown stage) comes back as an HTTP error whose
    // message is exactly what `docker build` prints.
    if (statusCodeOf(err) !== undefined && !req.signal?.aborted) throw buildFailed(dockerMessage(err), err);
    throw toEngineError(err, { endpoint: client.endpoint, what, signal: req.signal });
  } finally {
    // The engine reads the context fully before building; on failures before that (engine not
    // reachable, abort) nobody else would close it and its open files.
    req.context.destroy();
  }
}
