'use strict';
const assert = require('node:assert');
const { answer } = require('../../lib/sip-responder');

describe('SIP responder', () => {
  it('copies Via (all of them), From, To, Call-ID and CSeq, compact forms included', () => {
    const req = 'OPTIONS sip:x SIP/2.0\r\nv: SIP/2.0/TLS a;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\r\n' +
      'f: <sip:a@b>;tag=1\r\nt: <sip:x>;tag=abc\r\ni: cid\r\nCSeq: 7\r\n OPTIONS\r\nl: 0\r\n\r\n';
    const res = answer(req).toString();
    assert.strictEqual(res, 'SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS a;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\r\n' +
      'From: <sip:a@b>;tag=1\r\nTo: <sip:x>;tag=abc\r\nCall-ID: cid\r\nCSeq: 7 OPTIONS\r\nAllow: OPTIONS\r\n' +
      'Accept: application/sdp\r\nServer: sip-tls\r\nContent-Length: 0\r\n\r\n');
  });

  it('gives nothing for responses and ACK', () => {
    assert.strictEqual(answer('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), undefined);
    assert.strictEqual(answer('ACK sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n'), undefined);
  });
});
