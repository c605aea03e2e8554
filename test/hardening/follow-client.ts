import { request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface OpenFollow {
  status: number;
  /** The JSON message of a refusal. */
  message?: string;
  res: IncomingMessage;
  close(): void;
}

/** Opens `GET url` on its own connection from `localAddress` (any 127.x.y.z is a distinct client). */
export function openFollow(url: string, localAddress = '127.0.0.1'): Promise<OpenFollow> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, localAddress }, (res) => {
      const close = (): void => {
        res.destroy();
        req.destroy();
      };
      if (res.statusCode === 200) {
        resolve({ status: 200, res, close });
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        let message: string | undefined;
        try {
          message = (JSON.parse(body) as { message?: string }).message;
        } catch {
          message = body;
        }
        resolve({ status: res.statusCode ?? 0, message, res, close });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw TCP connection, and the time (ms after connecting) it was closed by the server. */
export async function rawSocket(port: number): Promise<{ socket: Socket; closed: Promise<number>; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const start = Date.now();
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - start)));
  return { socket, closed, received: () => received };
}
