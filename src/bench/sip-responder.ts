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

/** `c` in lower case when it is an ASCII capital. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * The length of `word` (lower case) when the line at `start` begins with it in any case and
 * only blanks separate it from a colon (a header of that name), else 0.
 */
function headerNamed(head: string, start: number, word: string): number {
  for (let i = 0; i < word.length; i++) {
    if (lower(head.charCodeAt(start + i)) !== word.charCodeAt(i)) return 0;
  }
  let i = start + word.length;
  while (head.charCodeAt(i) === 32 || head.charCodeAt(i) === 9) i++;
  return head.charCodeAt(i) === 58 ? word.length : 0;
}

/**
 * Whether the line at `start` is a header a response copies (full or compact name, any case),
 * decided from its first letters: the other lines cost one character each.
 */
function isCopied(head: string, start: number): boolean {
  switch (lower(head.charCodeAt(start))) {
    case 0x76: return headerNamed(head, start, 'via') > 0 || headerNamed(head, start, 'v') > 0;
    case 0x66: return headerNamed(head, start, 'from') > 0 || headerNamed(head, start, 'f') > 0;
    case 0x74: return headerNamed(head, start, 'to') > 0 || headerNamed(head, start, 't') > 0;
    case 0x63: return headerNamed(head, start, 'call-id') > 0 || headerNamed(head, start, 'cseq') > 0;
    case 0x69: return headerNamed(head, start, 'i') > 0;
    default: return false;
  }
}

/**
 * The index of the LF that ends the line at `start` (the head's length for the last line).
 * A one-character search is V8's fast one; the CR before the LF is dropped by `contentEnd`.
 */
function lineBreak(head: string, start: number): number {
  const lf = head.indexOf('\n', start);
  return lf < 0 ? head.length : lf;
}

/** The end of a line's content: before the CR of its CRLF. */
function contentEnd(head: string, lf: number): number {
  return lf > 0 && head.charCodeAt(lf - 1) === 13 ? lf - 1 : lf;
}

/** The Content-Length (or compact `l`) of a request head; 0 without one. */
function lengthOf(head: string): number {
  for (let start = 0; start < head.length;) {
    const lf = lineBreak(head, start);
    const end = contentEnd(head, lf);
    const first = lower(head.charCodeAt(start));
    const name = first === 0x63 ? headerNamed(head, start, 'content-length') : first === 0x6c ? headerNamed(head, start, 'l') : 0;
    if (name > 0) {
      let value = 0;
      let digits = 0;
      let i = head.indexOf(':', start + name) + 1;
      while (i < end && (head.charCodeAt(i) === 32 || head.charCodeAt(i) === 9)) i++;
      for (; i < end && head.charCodeAt(i) >= 48 && head.charCodeAt(i) <= 57; i++, digits++) {
        value = value * 10 + head.charCodeAt(i) - 48;
      }
      // A Content-Length without digits is not one (as the header is taken by the first valid line).
      if (digits > 0) return value;
    }
    start = lf + 1;
  }
  return 0;
}

const TAG = /;[ \t]*tag=/i;

/** Builds the response to one request head (status line + headers, no body). */
export function respondTo(head: string): string {
  const method = head.slice(0, head.indexOf(' '));
  let echoed = '';
  // One pass over the header lines by index: no regular expression runs over the whole head.
  for (let start = 0; start < head.length;) {
    const lf = lineBreak(head, start);
    if (isCopied(head, start)) {
      const line = head.slice(start, contentEnd(head, lf));
      const isTo = lower(head.charCodeAt(start)) === 0x74;
      echoed += isTo && !TAG.test(line) ? `${line};tag=b3nch\r\n` : `${line}\r\n`;
    }
    start = lf + 1;
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
