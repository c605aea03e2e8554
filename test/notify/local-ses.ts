import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as sesModule from 'aws-ses-v2-local';

/** aws-ses-v2-local is CommonJS: its default export arrives wrapped once or twice depending on the loader. */
type StartSes = (c?: { host?: string; port?: number }) => Promise<Server>;
const sesExport = (sesModule as unknown as { default: StartSes | { default: StartSes } }).default;
const startSes: StartSes = typeof sesExport === 'function' ? sesExport : sesExport.default;

export interface SesEmail {
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
}

export interface LocalSes {
  url: string;
  /** What it received, read through its own API (`GET /store`). */
  inbox(): Promise<SesEmail[]>;
  clear(): Promise<void>;
  close(): void;
}

/** aws-ses-v2-local in this process on a random port of 127.0.0.1. */
export async function startLocalSes(): Promise<LocalSes> {
  const server = await startSes({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    inbox: async () => ((await (await fetch(`${url}/store`)).json()) as { emails: SesEmail[] }).emails,
    clear: async () => void (await fetch(`${url}/clear-store`, { method: 'POST' })),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
