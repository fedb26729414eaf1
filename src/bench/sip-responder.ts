/**
 * The minimal SIP OPTIONS responder every benchmark server runs: RFC 3261 stream framing
 * (headers up to CRLFCRLF, then Content-Length body bytes), CRLF keep-alive pongs (RFC 5626
 * section 4.4.1), and a 200 OK to OPTIONS (501 to anything else) echoing Via, From, To,
 * Call-ID and CSeq.
 */

/** A stream's unparsed bytes carried from one chunk to the next. */
export interface StreamState {
  pending: Buffer | null;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 65536;
const PONG = '\r\n';

function lengthOf(head: string): number {
  const match = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head);
  return match ? Number(match[1]) : 0;
}

/** The header lines a response copies (full and compact names); `.` stops before CR. */
const COPIED = /^(?:via|v|from|f|to|t|call-id|i|cseq)[ \t]*:.*$/gim;
const TO = /^t(?:o)?[ \t]*:/i;
const TAG = /;[ \t]*tag=/i;

/** Builds the response to one request head (status line + headers, no body). */
export function respondTo(head: string): string {
  const method = head.slice(0, head.indexOf(' '));
  let echoed = '';
  for (const line of head.match(COPIED) ?? []) {
    echoed += TO.test(line) && !TAG.test(line) ? `${line};tag=b3nch\r\n` : `${line}\r\n`;
  }
  const status = method === 'OPTIONS' ? '200 OK' : '501 Not Implemented';
  return `SIP/2.0 ${status}\r\n${echoed}Content-Length: 0\r\n\r\n`;
}

/**
 * Consumes `chunk` (plus what `state` kept) and returns the text to send back for every
 * complete message in it, or null for none. Throws on a header block over 64 KiB.
 */
export function answerChunk(state: StreamState, chunk: Buffer): string | null {
  const data = state.pending ? Buffer.concat([state.pending, chunk]) : chunk;
  let offset = 0;
  let out: string | null = null;
  while (offset < data.length) {
    if (data[offset] === 0x0d && data[offset + 1] === 0x0a) {
      let end = offset;
      while (data[end] === 0x0d && data[end + 1] === 0x0a) end += 2;
      if (end - offset >= 4) out = (out ?? '') + PONG;
      offset = end;
      continue;
    }
    const headEnd = data.indexOf(HEADER_END, offset);
    if (headEnd < 0) {
      if (data.length - offset > MAX_HEADER_BYTES) throw new Error('SIP header block over 64 KiB');
      break;
    }
    const head = data.toString('latin1', offset, headEnd);
    const total = headEnd + 4 - offset + lengthOf(head);
    if (data.length - offset < total) break;
    out = (out ?? '') + respondTo(head);
    offset += total;
  }
  state.pending = offset < data.length ? data.subarray(offset) : null;
  if (state.pending && state.pending.length > MAX_HEADER_BYTES * 4) throw new Error('SIP message over 256 KiB');
  return out;
}
