/**
 * The one way the project binds a port. Express 5's `app.listen` hands a bind error to its callback
 * instead of emitting it, so a busy port looked like success; here a failed bind always rejects, and
 * a busy or forbidden port becomes an error that says which address and what to do.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ConfigError } from '../errors.ts';

/** Another process holds the address (EADDRINUSE); the demo takes a free port instead. */
export class PortInUseError extends ConfigError {
  readonly port: number;
  readonly host: string;
  /** `option`: the command-line option that chooses this port, named in the message. */
  constructor(host: string, port: number, options?: ErrorOptions & { option?: string }) {
    super(
      `port ${port} on ${host} is already in use by another process: stop it or choose another port (${options?.option ?? '--port'})`,
      options,
    );
    this.port = port;
    this.host = host;
  }
}

/**
 * Binds `server` to `host:port` (0: any free port) and resolves with the bound address. `option`
 * names the command-line option that picks this port, for the busy-port message.
 */
export function listenOn(
  server: Server,
  port: number,
  host: string,
  option = '--port',
): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new PortInUseError(host, port, { cause: err, option }));
      else if (err.code === 'EACCES') {
        reject(
          new ConfigError(`not allowed to listen on ${host}:${port}: ports below 1024 need privileges`, {
            cause: err,
          }),
        );
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
        reject(new ConfigError(`cannot listen on ${host}:${port}: no such local address`, { cause: err }));
      } else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
