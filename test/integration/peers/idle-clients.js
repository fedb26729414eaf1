'use strict';
// Opens N node:tls connections to 127.0.0.1:PORT, WINDOW at a time, keeps them idle, prints
// "connected N" when all are up (or "failed REASON"), and ends them when stdin closes.
const fs = require('node:fs');
const tls = require('node:tls');

const [port, total, ca] = [Number(process.argv[2]), Number(process.argv[3]), fs.readFileSync(process.argv[4])];
const WINDOW = 200;
const sockets = [];
let started = 0;
let connected = 0;

function one() {
  if (started >= total) return;
  started++;
  const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'server.test' }, () => {
    connected++;
    if (connected === total) process.stdout.write(`connected ${connected}\n`);
    else one();
  });
  socket.on('error', (err) => { process.stdout.write(`failed ${err.message}\n`); process.exit(1); });
  sockets.push(socket);
}
for (let i = 0; i < WINDOW; i++) one();
process.stdin.resume();
process.stdin.on('end', () => { for (const s of sockets) s.destroy(); process.exit(0); });
