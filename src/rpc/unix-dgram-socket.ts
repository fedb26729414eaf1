/**
 * Unix-domain datagram sockets (node:dgram is UDP only): the addon's `UnixDgramSocket`
 * (native/unix_dgram.cc, socket(AF_UNIX, SOCK_DGRAM) polled on Node's loop) with errors turned
 * into Node-style `Error`s carrying `code` (ENOENT, EADDRINUSE, EMSGSIZE, …).
 */
import * as util from 'node:util';
import { UnixDgramSocket as NativeUnixDgramSocket } from '../native';

function systemError(errno: number, syscall: string, path: string): NodeJS.ErrnoException {
  const code = util.getSystemErrorName(errno);
  const text = util.getSystemErrorMap().get(errno)?.[1] ?? 'system error';
  const err: NodeJS.ErrnoException = new Error(`${syscall} ${path}: ${text} (${code})`);
  err.code = code;
  err.errno = errno;
  err.syscall = syscall;
  err.path = path;
  return err;
}

export class UnixDgramSocket {
  private readonly native: NativeUnixDgramSocket;
  private closed = false;

  /** @param onMessage called once per datagram with its bytes and the sender's bound path ("" if unbound). */
  constructor(onMessage: (data: Buffer, from: string) => void) {
    this.native = new NativeUnixDgramSocket(onMessage);
  }

  /** Binds to `path` and starts receiving. @throws the bind error (EADDRINUSE, EACCES, ENAMETOOLONG…). */
  bind(path: string): void {
    const rc = this.native.bind(path);
    if (rc !== 0) throw systemError(rc, 'bind', path);
  }

  /** Sends one datagram to the socket bound at `path`, never blocking. @throws EAGAIN, EMSGSIZE, ENOENT… */
  send(data: Buffer, path: string): void {
    const rc = this.native.send(data, path);
    if (rc !== 0) throw systemError(rc, 'sendto', path);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close();
  }
}
