/**
 * A connected TCP pair on 127.0.0.1 whose server side is paused from the
 * start, with its descriptor: a test can read that descriptor itself (as
 * proxy-env and greetwait read fd 0 in exec mode), then resume the server
 * socket to see exactly what was left unread.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { Teardown } from './scratch.js';

export interface SocketPair {
  client: Socket;
  server: Socket;
  /** The server side's file descriptor. */
  fd: number;
  /** Everything the server side still has to read, once the client has ended. */
  rest(): Promise<Buffer>;
}

export async function socketPair(t: Teardown): Promise<SocketPair> {
  const listener = createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve));
  const client = connect((listener.address() as { port: number }).port, '127.0.0.1');
  const server = await accepted;
  listener.close();
  t.teardown(() => {
    client.destroy();
    server.destroy();
  });
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  const rest = () =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      server.on('data', (b: Buffer) => chunks.push(b));
      server.on('end', () => resolve(Buffer.concat(chunks)));
      server.resume();
    });
  return { client, server, fd, rest };
}
