'use strict';
// Drives a native TlsSession over a net.Socket: one feed() per 'data' event, one socket.write()
// per flush. For the interop tests.
const net = require('node:net');
const { S, Side } = require('./sessions');

/** A Side (feeding and collecting as in the in-memory tests) whose peer is a socket. */
class SessionSocket extends Side {
  constructor(socket, ctx, options) {
    super(ctx, options);
    this.socket = socket;
    this.waiters = [];
    socket.on('data', (data) => this.drive(data));
    socket.on('error', (err) => { this.error = this.error || err; this.wake(); });
    socket.on('close', () => { this.closed = true; this.wake(); });
  }

  start() {
    this.drive(null);
    return this;
  }

  drive(data) {
    if (this.session.isClosed()) return;
    this.feed(data);
    this.flush();
    if (this.status & S.ERROR) this.socket.end();
    this.wake();
  }

  flush() {
    const wire = this.session.takeCiphertext();
    if (wire && !this.socket.destroyed) this.socket.write(wire);
  }

  write(data) {
    this.status = this.session.write(data);
    this.flush();
  }

  shutdown() {
    this.status = this.session.shutdown();
    this.flush();
  }

  wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves when `predicate(this)` holds; rejects after `ms`. */
  until(predicate, ms = 10000, what = 'condition') {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; status ${this.status}, error ${this.error && (this.error.code || this.error.message)}, text ${JSON.stringify(this.text().slice(0, 200))}`)), ms);
      const check = () => {
        if (predicate(this)) { clearTimeout(timer); resolve(this); return; }
        if (this.error || this.closed) {
          if (predicate(this)) { clearTimeout(timer); resolve(this); return; }
        }
        this.waiters.push(check);
      };
      check();
    });
  }

  handshaken() {
    return this.until((s) => (s.status & S.HANDSHAKE_DONE) !== 0 || s.error !== null || s.closed, 10000, 'handshake');
  }

  destroy() {
    this.socket.destroy();
    if (!this.session.isClosed()) this.session.close();
  }
}

/** Connects to host:port and wraps the socket in a client SessionSocket. */
function connectSession(port, ctx, options = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new SessionSocket(socket, ctx, { isServer: false, ...options }).start()));
    socket.once('error', reject);
  });
}

module.exports = { SessionSocket, connectSession };
