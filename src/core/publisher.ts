import { badInput } from './errors.js';
import type { BuildLog } from './log.js';
import type { PublishTarget } from './project.js';

/** One regular file copied out of an image, ready to upload. */
export interface PublishFile {
  /** Path relative to what was copied out, `/`-separated: the object's name under `bucketPath`. */
  name: string;
  /** Absolute path on disk, verified to lie inside the copied-out directory. */
  path: string;
  size: number;
}

export interface PublishRequest {
  target: PublishTarget;
  files: readonly PublishFile[];
  log: BuildLog;
  /** Aborting stops the uploads in flight and starts no others. */
  signal: AbortSignal;
}

/**
 * The Publisher port: uploads a build's artifacts somewhere (`publish:` in build.yml).
 * Contract: `publish` resolves once every file is stored, or rejects with a `build-failed` RogerError
 * naming the first file that could not be, after which nothing else is started. `close` releases the
 * connections; the publisher is not used afterwards.
 */
export interface Publisher {
  publish(req: PublishRequest): Promise<void>;
  close(): void;
}

/** A kind of publisher: the `to:` of build.yml entries it serves, and how it reads its settings. */
export interface PublisherKind {
  /** `to:` in build.yml and the key under `publishers:` in config.yml (`s3`). */
  readonly name: string;
  /**
   * Reads `publishers.<name>` (undefined when config.yml has none); bad settings are a `bad-input`
   * RogerError naming the config.yml keys.
   */
  create(settings: Record<string, unknown> | undefined): Publisher;
}

/** The kind serving `to`, or a clear error listing the ones there are. */
export function publisherKind(kinds: readonly PublisherKind[], to: string): PublisherKind {
  const kind = kinds.find((k) => k.name === to);
  if (kind) return kind;
  const known = kinds.map((k) => k.name).join(', ') || 'none';
  throw badInput(`publish to "${to}" is not supported (supported: ${known})`);
}
