import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import mime from 'mime-types';
import { buildFailed, toError } from '../core/errors.js';
import type { PublishFile, Publisher, PublisherKind, PublishRequest } from '../core/publisher.js';
import { forEachLimited } from './limited.js';
import { parseS3Settings, type S3Settings } from './s3-settings.js';

/** Files uploaded at once; each large file also sends up to PART_QUEUE parts at once. */
export const UPLOAD_CONCURRENCY = 8;
/** Files from this size on go up in parts (S3's minimum part is 5 MiB). */
const PART_SIZE = 8 * 1024 * 1024;
const PART_QUEUE = 4;

/** `s3://<bucket>/<bucketPath>/<name>`: bucketPath's leading and trailing slashes are the user's spelling, not key segments. */
export function objectKey(bucketPath: string | undefined, name: string): string {
  const prefix = (bucketPath ?? '').replace(/^\/+|\/+$/g, '');
  return prefix === '' ? name : `${prefix}/${name}`;
}

/** From the extension; text types carry their charset, as browsers reading the bucket expect. */
export function contentTypeOf(name: string): string {
  return mime.contentType(name.slice(name.lastIndexOf('/') + 1)) || 'application/octet-stream';
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
}

/**
 * S3's own words (`NoSuchBucket: The specified bucket does not exist`), or, when nothing answered,
 * the network error and where the store was expected.
 */
function describe(err: unknown, settings: S3Settings): string {
  const error = toError(err);
  const inner = error instanceof AggregateError ? toError(error.errors[0]) : error;
  const code = field(inner, 'code');
  const text = inner.message || (typeof code === 'string' ? code : 'unknown error');
  const status = field(field(err, '$metadata'), 'httpStatusCode');
  if (typeof status === 'number') {
    return error.name && error.name !== 'Error' && !text.startsWith(error.name) ? `${error.name}: ${text}` : text;
  }
  return `${text} (S3 endpoint ${settings.endpoint ?? `AWS ${settings.region}`})`;
}

function createClient(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    // Without these a store that accepts the connection and never answers would hold the build until
    // its timeout; the request timeout is per idle socket, so a slow large part still gets through.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
  });
}

async function uploadOne(client: S3Client, params: PutObjectCommandInput, file: PublishFile, signal: AbortSignal): Promise<void> {
  if (file.size < PART_SIZE) {
    await client.send(new PutObjectCommand({ ...params, Body: await readFile(file.path, { signal }) }), { abortSignal: signal });
    return;
  }
  const body = createReadStream(file.path);
  const upload = new Upload({ client, params: { ...params, Body: body }, partSize: PART_SIZE, queueSize: PART_QUEUE });
  const abort = (): void => void upload.abort().catch(() => undefined);
  signal.addEventListener('abort', abort, { once: true });
  try {
    await upload.done();
  } finally {
    signal.removeEventListener('abort', abort);
    body.destroy();
  }
}

function createS3Publisher(settings: S3Settings): Publisher {
  const client = createClient(settings);
  return {
    async publish({ target, files, signal }: PublishRequest) {
      await forEachLimited(files, UPLOAD_CONCURRENCY, signal, async (file, stop) => {
        const key = objectKey(target.bucketPath, file.name);
        const params = { Bucket: target.bucket, Key: key, ContentType: contentTypeOf(file.name) };
        try {
          await uploadOne(client, params, file, stop);
        } catch (err) {
          throw buildFailed(`upload of ${file.name} to s3://${target.bucket}/${key} failed: ${describe(err, settings)}`, err);
        }
      });
    },
    close: () => client.destroy(),
  };
}

export const s3Publisher: PublisherKind = {
  name: 's3',
  create: (settings) => createS3Publisher(parseS3Settings(settings)),
};
