/**
 * The error a failed listen, connect or send throws. Its codes are listed in `errors.ts`
 * (TLS_ERROR_CODES), libuv's (`ECONNREFUSED`) or OpenSSL's.
 */
import { TlsError } from './errors';

/** An error of the transport, with the `code` an application can act on. */
export class TlsTransportError extends TlsError {
  constructor(code: string, message: string) {
    super({ code, library: 'sip-tls', reason: message, message });
    this.name = 'TlsTransportError';
  }
}
