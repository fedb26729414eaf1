/**
 * The answers `sip-tls serve` gives: OPTIONS → 200 OK, any other request → 501 Not Implemented,
 * ACK and responses → nothing. Enough SIP to be a keep-alive target and a test peer, no more.
 */
import { randomBytes } from 'node:crypto';

/** Headers copied from a request into its response (RFC 3261 §8.2.6.2), full and compact names. */
const COPIED = new Map<string, string>([
  ['via', 'Via'], ['v', 'Via'],
  ['from', 'From'], ['f', 'From'],
  ['to', 'To'], ['t', 'To'],
  ['call-id', 'Call-ID'], ['i', 'Call-ID'],
  ['cseq', 'CSeq'],
]);

/** A SIP request's method and the headers a response needs, or undefined for a response. */
export interface ParsedRequest {
  method: string;
  /** Via, From, To, Call-ID, CSeq in the order they came (Via may repeat). */
  headers: Array<[string, string]>;
}

/** Reads the start line and the headers a response copies; folded lines are joined. */
export function parseRequest(message: Buffer | string): ParsedRequest | undefined {
  const text = typeof message === 'string' ? message : message.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = (end >= 0 ? text.slice(0, end) : text).replace(/\r\n[ \t]+/g, ' ');
  const lines = head.split('\r\n');
  const start = /^([A-Za-z!%'*+\-.^_`|~0-9]+) \S+ SIP\/2\.0$/.exec(lines[0] ?? '');
  if (!start) return undefined;
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = COPIED.get(line.slice(0, colon).trim().toLowerCase());
    if (name) headers.push([name, line.slice(colon + 1).trim()]);
  }
  return { method: start[1].toUpperCase(), headers };
}

/** A response to `request` with `status` and `reason`; adds a To tag when there is none. */
export function buildResponse(request: ParsedRequest, status: number, reason: string, extra: string[] = []): Buffer {
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const [name, value] of request.headers) {
    if (name === 'To' && !/;\s*tag=/i.test(value)) {
      lines.push(`To: ${value};tag=${randomBytes(6).toString('hex')}`);
    } else {
      lines.push(`${name}: ${value}`);
    }
  }
  lines.push(...extra, 'Content-Length: 0', '', '');
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

/** What serve answers to one message: a response, or undefined (ACK, responses, garbage). */
export function answer(message: Buffer | string): Buffer | undefined {
  const request = parseRequest(message);
  if (!request || request.method === 'ACK') return undefined;
  if (request.method === 'OPTIONS') {
    return buildResponse(request, 200, 'OK', ['Allow: OPTIONS', 'Accept: application/sdp', 'Server: sip-tls']);
  }
  return buildResponse(request, 501, 'Not Implemented', ['Server: sip-tls']);
}
