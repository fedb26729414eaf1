'use strict';
const assert = require('node:assert');
const { SipFramer } = require('bindings')('sip_tls');

function options(n, extra = '') {
  return `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK${n}\r\n` +
    `Call-ID: ${n}@test\r\nCSeq: ${n} OPTIONS\r\n${extra}Content-Length: 0\r\n\r\n`;
}
function withBody(n, body, header = 'Content-Length') {
  return `MESSAGE sip:a@b SIP/2.0\r\nCall-ID: ${n}@test\r\n${header}: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
function feedAll(framer, chunks) {
  const out = { messages: [], pings: 0, error: null };
  for (const chunk of chunks) {
    const r = framer.feed(Buffer.from(chunk));
    out.messages.push(...r.messages.map((m) => m.toString()));
    out.pings += r.pings;
    if (r.error) { out.error = r.error; break; }
  }
  return out;
}

describe('SipFramer#feed()', () => {
  const stream = options(1) + withBody(2, 'hello world') + '\r\n\r\n' + withBody(3, 'x'.repeat(300), 'l') + options(4);
  const expected = [options(1), withBody(2, 'hello world'), withBody(3, 'x'.repeat(300), 'l'), options(4)];

  it('frames many messages from one chunk', () => {
    const r = feedAll(new SipFramer(65536), [stream]);
    assert.deepStrictEqual(r.messages, expected);
    assert.strictEqual(r.pings, 1);
    assert.strictEqual(r.error, null);
  });

  it('frames the same stream split at every byte boundary', () => {
    for (let i = 1; i < stream.length; i++) {
      const framer = new SipFramer(65536);
      const r = feedAll(framer, [stream.slice(0, i), stream.slice(i)]);
      assert.deepStrictEqual(r.messages, expected, `split at ${i}`);
      assert.strictEqual(r.pings, 1, `split at ${i}`);
      assert.strictEqual(framer.pending.bytes, 0);
    }
  });

  it('frames the stream fed one byte at a time and holds no storage when idle', () => {
    const framer = new SipFramer(65536);
    const r = feedAll(framer, stream.split(''));
    assert.deepStrictEqual(r.messages, expected);
    assert.strictEqual(r.pings, 1);
    assert.deepStrictEqual(framer.pending, { bytes: 0, storage: 0 });
  });

  it('holds storage only while a message is partial', () => {
    const framer = new SipFramer(65536);
    const msg = withBody(5, 'y'.repeat(1000));
    framer.feed(Buffer.from(msg.slice(0, 500)));
    assert.strictEqual(framer.pending.bytes, 500);
    assert.ok(framer.pending.storage >= 500);
    const r = framer.feed(Buffer.from(msg.slice(500)));
    assert.strictEqual(r.messages[0].toString(), msg);
    assert.deepStrictEqual(framer.pending, { bytes: 0, storage: 0 });
  });

  it('reads header names in any case, the compact form and folded values', () => {
    const folded = 'INFO sip:a@b SIP/2.0\r\nCALL-ID: 9\r\ncOnTeNt-LeNgTh  :\r\n   4\r\n\r\nabcd';
    const compact = 'INFO sip:a@b SIP/2.0\r\nl: 2\r\n\r\nzz';
    const r = feedAll(new SipFramer(65536), [folded + compact]);
    assert.deepStrictEqual(r.messages, [folded, compact]);
  });

  it('ends the header block at the first CRLF CRLF only, whatever lone CR and LF come before', () => {
    const odd = 'MESSAGE sip:a@b SIP/2.0\r\nX-A: a\rb\nc\n\r\r\nX-B: \n\nd\r\r\nContent-Length: 2\r\r\n\r\nhi';
    const messages = [odd, options(5)];
    for (let i = 1; i < odd.length + 5; i++) {
      const all = messages.join('');
      const r = feedAll(new SipFramer(65536), [all.slice(0, i), all.slice(i)]);
      assert.deepStrictEqual(r.messages, messages, `split at ${i}`);
      assert.strictEqual(r.error, null);
    }
  });

  it('answers a double-CRLF ping split over two reads, and ignores a lone CRLF', () => {
    const framer = new SipFramer(65536);
    let r = feedAll(framer, ['\r\n', '\r\n']);
    assert.strictEqual(r.pings, 1);
    r = feedAll(framer, ['\r\n' + options(6)]);
    assert.strictEqual(r.pings, 0);
    assert.deepStrictEqual(r.messages, [options(6)]);
  });

  it('finds Content-Length among many headers that start like it (c and l names)', () => {
    // More lines that may be Content-Length than the framer notes in its one pass (8): it then
    // reads every line.
    const lines = Array.from({ length: 12 }, (_, i) => `${i % 2 ? 'Contact' : 'Content-Type'}: <sip:${i}@h>\r\n`);
    const many = lines.join('');
    for (const [before, after] of [['', many], [many, ''], [lines.slice(0, 5).join(''), lines.slice(5).join('')]]) {
      const message = `NOTIFY sip:a@b SIP/2.0\r\n${before}Content-Length: 3\r\n${after}\r\nabc`;
      assert.deepStrictEqual(feedAll(new SipFramer(65536), [message + options(7)]).messages, [message, options(7)]);
    }
    const twice = `NOTIFY sip:a@b SIP/2.0\r\nl: 3\r\n${many}content-length: 4\r\n\r\nabcd`;
    assert.match(feedAll(new SipFramer(65536), [twice]).error, /invalid Content-Length/);
    const compact = `NOTIFY sip:a@b SIP/2.0\r\nLog: x\r\nl-x: y\r\nL\t: 2\r\n\r\nhi`;
    assert.deepStrictEqual(feedAll(new SipFramer(65536), [compact]).messages, [compact]);
  });

  it('refuses a message without Content-Length', () => {
    const r = feedAll(new SipFramer(65536), ['OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\n\r\n']);
    assert.deepStrictEqual(r.messages, []);
    assert.match(r.error, /without Content-Length/);
  });

  it('refuses an invalid or contradictory Content-Length', () => {
    assert.match(feedAll(new SipFramer(65536), ['A sip:a SIP/2.0\r\nContent-Length: 1x\r\n\r\n']).error, /invalid Content-Length/);
    assert.match(feedAll(new SipFramer(65536), ['A sip:a SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\n']).error, /invalid Content-Length/);
  });

  it('refuses a message over max_message_size, by its Content-Length or by its headers', () => {
    const framer = new SipFramer(1024);
    assert.match(feedAll(framer, [withBody(7, 'z'.repeat(2000)).slice(0, 200)]).error, /max_message_size/);
    assert.strictEqual(framer.pending.storage, 0);
    const headers = 'OPTIONS sip:a@b SIP/2.0\r\nX: ' + 'h'.repeat(1100);
    assert.match(feedAll(new SipFramer(1024), [headers.slice(0, 600), headers.slice(600)]).error, /max_message_size/);
  });

  it('refuses bytes that cannot start a message, after delivering the good ones', () => {
    const r = feedAll(new SipFramer(65536), [options(8) + '\x16\x03\x01garbage']);
    assert.deepStrictEqual(r.messages, [options(8)]);
    assert.match(r.error, /do not start a SIP message/);
  });

  it('stays failed after an error', () => {
    const framer = new SipFramer(65536);
    feedAll(framer, ['%%%\r\n']);
    assert.match(framer.feed(Buffer.from(options(9))).error, /do not start/);
  });
});
