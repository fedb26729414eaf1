/**
 * `Session`: a typed wrapper over the native TlsSession that owns its reusable clear-text buffer.
 * Feed it ciphertext from any stream, send what `takeCiphertext()` returns, read clear text from
 * `plaintext` (a view valid until the next call on this session; copy or decode it first).
 */
import { TlsError } from './errors';
import * as native from './native';

export { SessionStatus } from './native';
export type { SessionFacts, CertificateFacts, NameFacts } from './native';

export interface SessionInit extends native.SessionOptions {
  /** Size of the reusable clear-text buffer, bytes. Default 65536. */
  plaintextBufferSize?: number;
}

export class Session {
  /** The native session (for code that drives it directly). */
  readonly native: native.TlsSession;
  private readonly out: Buffer;

  constructor(context: native.SecureContext, init: SessionInit) {
    const size = init.plaintextBufferSize ?? 65536;
    if (!Number.isInteger(size) || size < 1) throw new RangeError('plaintextBufferSize must be a positive integer');
    if (init.serverName !== undefined && typeof init.serverName !== 'string') {
      throw new TypeError('serverName must be a string');
    }
    if (init.identity !== undefined && typeof init.identity !== 'string') {
      throw new TypeError('identity must be a string');
    }
    this.native = new native.TlsSession(context, {
      isServer: init.isServer, serverName: init.serverName, pauseOnSni: init.pauseOnSni, identity: init.identity,
      ownRecords: init.ownRecords,
    });
    this.out = Buffer.allocUnsafe(size);
  }

  /** Feeds ciphertext (null: none; a client's first call sends ClientHello). Returns status bits. */
  feed(ciphertext: Uint8Array | null): number {
    return this.native.feed(ciphertext, this.out);
  }

  /** Decrypts more after MORE_PLAINTEXT. */
  read(): number {
    return this.native.read(this.out);
  }

  /** Clear text produced by the last feed()/read(): a view of the shared buffer. */
  get plaintext(): Buffer {
    return this.out.subarray(0, this.native.lengths[0]);
  }

  write(data: Uint8Array): number {
    return this.native.write(data);
  }

  writev(parts: Uint8Array[]): number {
    return this.native.writev(parts);
  }

  shutdown(): number {
    return this.native.shutdown();
  }

  takeCiphertext(): Buffer | null {
    return this.native.takeCiphertext();
  }

  /** Switches to `context` at NEED_CONTEXT; throws TlsError when the state does not allow it. */
  setContext(context: native.SecureContext): void {
    const error = this.native.setContext(context);
    if (error) throw new TlsError(error);
  }

  /** The error behind ERROR as a TlsError (null if none). */
  takeError(): TlsError | null {
    const info = this.native.takeError();
    return info ? new TlsError(info) : null;
  }

  get serverName(): string {
    return this.native.serverName();
  }

  facts(): native.SessionFacts {
    return this.native.facts();
  }

  peerCertificate(): native.CertificateFacts | null {
    return this.native.peerCertificate();
  }

  ownCertificate(): native.CertificateFacts | null {
    return this.native.ownCertificate();
  }

  close(): void {
    this.native.close();
  }

  get closed(): boolean {
    return this.native.isClosed();
  }

  /** Whether the record layer runs in sip-tls (`ownRecords`, once the handshake is done). */
  get ownsRecords(): boolean {
    return this.native.ownsRecords();
  }
}
