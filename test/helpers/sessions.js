'use strict';
// Two sessions wired back to back in memory, for the native tests.
const path = require('node:path');
const native = require('../../lib/native');

const S = native.SessionStatus;
const CERTS = path.join(__dirname, '..', 'fixtures', 'certs');
const cert = (name) => path.join(CERTS, name);

/** A context or the error value, with Kamailio's defaults for what is not given. */
function tryContext(options) {
  return native.createSecureContext({ method: 'TLSv1.2+', verifyDepth: 9, ...options });
}

function context(options) {
  const result = tryContext(options);
  if (!(result instanceof native.SecureContext)) throw new Error(`context failed: ${JSON.stringify(result)}`);
  return result;
}

const serverContext = (extra = {}) => context({
  certificate: cert('server-rsa.pem'), privateKey: cert('server-rsa.key'), ...extra,
});
const clientContext = (extra = {}) => context({ caList: cert('ca.pem'), verifyCertificate: true, ...extra });

/** One side: the native session, its reusable out buffer, everything it decrypted, its last status. */
class Side {
  constructor(ctx, options, outSize = 65536) {
    this.session = new native.TlsSession(ctx, options);
    this.out = Buffer.alloc(outSize);
    this.received = [];
    this.status = 0;
    this.error = null;
    this.feeds = 0;
  }

  /** Feeds ciphertext (in chunks of `chunk` bytes, or all at once) and collects clear text. */
  feed(data, chunk = 0) {
    const pieces = [];
    if (data === null) pieces.push(null);
    else if (chunk > 0) for (let i = 0; i < data.length; i += chunk) pieces.push(data.subarray(i, i + chunk));
    else pieces.push(data);
    for (const piece of pieces) {
      this.feeds++;
      this.status = this.session.feed(piece, this.out);
      this.collect();
      while (this.status & S.MORE_PLAINTEXT) {
        this.status = this.session.read(this.out);
        this.collect();
      }
      if (this.status & S.ERROR && !this.error) this.error = this.session.takeError();
    }
    return this.status;
  }

  collect() {
    const n = this.session.lengths[0];
    if (n > 0) this.received.push(Buffer.from(this.out.subarray(0, n)));
  }

  text() {
    return Buffer.concat(this.received).toString();
  }

  bytes() {
    return Buffer.concat(this.received);
  }
}

/**
 * Moves ciphertext between two sides until neither has any (or a side pauses for its context).
 * `chunk` feeds that many bytes per call. Returns the ciphertext each side sent, per flight.
 */
function pump(a, b, { chunk = 0, rounds = 50 } = {}) {
  const flights = { a: [], b: [] };
  for (let i = 0; i < rounds; i++) {
    let moved = false;
    const fromA = a.session.takeCiphertext();
    if (fromA) { flights.a.push(fromA); b.feed(fromA, chunk); moved = true; }
    const fromB = b.session.takeCiphertext();
    if (fromB) { flights.b.push(fromB); a.feed(fromB, chunk); moved = true; }
    if (!moved) break;
  }
  return flights;
}

/**
 * Client and server sessions, handshaken as far as they go. `serverOptions` and `clientOptions`
 * add session options (ownRecords).
 */
function connect(serverCtx, clientCtx, { serverName, pauseOnSni, chunk, serverOptions = {}, clientOptions = {} } = {}) {
  const server = new Side(serverCtx, { isServer: true, pauseOnSni, ...serverOptions });
  const client = new Side(clientCtx, { isServer: false, serverName, ...clientOptions });
  client.feed(null);
  pump(client, server, { chunk });
  return { server, client };
}

const done = (side) => (side.status & S.HANDSHAKE_DONE) !== 0 && (side.status & S.ERROR) === 0;

/** Splits ciphertext into TLS records: [{ type, version, length }]. */
function records(buffer) {
  const list = [];
  let pos = 0;
  while (pos + 5 <= buffer.length) {
    const length = buffer.readUInt16BE(pos + 3);
    list.push({ type: buffer[pos], version: buffer.readUInt16BE(pos + 1), length });
    pos += 5 + length;
  }
  if (pos !== buffer.length) throw new Error(`trailing ${buffer.length - pos} bytes are not a whole record`);
  return list;
}

module.exports = { native, S, cert, CERTS, tryContext, context, serverContext, clientContext, Side, pump, connect, done, records };
