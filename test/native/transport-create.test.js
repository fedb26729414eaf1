'use strict';
// Creating a transport when the process is out of file descriptors throws; nothing half-made
// is left watching an invalid descriptor.
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const lib = path.join(__dirname, '..', '..', 'lib', 'transport-native');

describe('new Transport', () => {
  it('throws naming epoll_create1 when no file descriptor is left, and the process goes on', () => {
    const script = `
      const fs = require('node:fs');
      const { NativeTransport } = require(${JSON.stringify(lib)});
      const held = [];
      try { for (let i = 0; i < 1000; i++) held.push(fs.openSync('/dev/null', 'r')); } catch { /* EMFILE */ }
      let message = 'no error';
      try { new NativeTransport(() => undefined).shutdown(); } catch (err) { message = err.message; }
      for (const fd of held) fs.closeSync(fd);
      const after = new NativeTransport(() => undefined);
      after.shutdown();
      console.log(message);
    `;
    const run = spawnSync('bash', ['-c', 'ulimit -n 64 && exec "$0" -e "$1"', process.execPath, script], { encoding: 'utf8', timeout: 20000 });
    assert.strictEqual(run.status, 0, run.stderr);
    assert.strictEqual(run.stdout.trim(), 'Transport: epoll_create1: Too many open files');
  });
});
