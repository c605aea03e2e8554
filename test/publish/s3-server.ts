import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** s3rver's fixed credentials: it checks every request's signature against them. */
export const S3_KEY = 'S3RVER';
export const S3_SECRET = 'S3RVER';

export interface StoredObject {
  key: string;
  size: number;
}

export interface S3Server {
  endpoint: string;
  /** `publishers.s3` settings pointing at this server. */
  settings: Record<string, unknown>;
  /** Every object under `prefix`, sorted by key. */
  list(bucket: string, prefix?: string): Promise<StoredObject[]>;
  get(bucket: string, key: string): Promise<{ body: Buffer; contentType: string | undefined }>;
  close(): Promise<void>;
}

/** A real S3 API on 127.0.0.1 (random port), storing into a temp dir, with `buckets` created. */
export async function startS3(buckets: string[]): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'roger-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_KEY, secretAccessKey: S3_SECRET },
  });
  return {
    endpoint,
    settings: { key: S3_KEY, secret: S3_SECRET, endpoint, region: 'us-east-1' },
    // ListObjects (v1) pages by key: s3rver's v2 continuation tokens use DES, which OpenSSL 3 refuses.
    async list(bucket, prefix) {
      const found: StoredObject[] = [];
      let marker: string | undefined;
      for (;;) {
        const page = await client.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: marker }));
        for (const o of page.Contents ?? []) found.push({ key: o.Key ?? '', size: o.Size ?? 0 });
        marker = found.at(-1)?.key;
        if (!page.IsTruncated || marker === undefined) break;
      }
      return found.sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    async get(bucket, key) {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = await res.Body?.transformToByteArray();
      return { body: Buffer.from(bytes ?? []), contentType: res.ContentType };
    },
    async close() {
      client.destroy();
      const closing = server.close();
      // Keep-alive sockets of clients under test would otherwise hold the close open.
      server.httpServer?.closeAllConnections();
      await closing;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
