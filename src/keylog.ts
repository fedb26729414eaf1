/**
 * Key logging, as Kamailio master's `keylog_mode`, `keylog_file` and `keylog_peer`: the TLS secrets
 * of every handshake as NSS key log lines, so that captures can be decrypted. The lines are written
 * in C++ (file, UDP); only bit 4 (log at NOTICE) comes back to JS, queued after the SSL call.
 */
import { ConfigError } from './config-error';
import { parseHostPort } from './main-config';
import { ParamStore } from './params';

/** `keylog_mode` bits (Kamailio's KSR_TLS_KEYLOG_MODE_*, plus its filter bit). */
export const KeylogMode = {
  /** Install the keylog callback on every context (at start and at tls.reload). */
  INIT: 1,
  /** Active: lines are handed on; without it they are dropped. */
  ACTIVE: 2,
  /** Each line to the module's logger at NOTICE. */
  NOTICE: 4,
  /** Each line appended to `keylog_file` (created 0600). */
  FILE: 8,
  /** Each line as one UDP datagram to `keylog_peer`. */
  PEER: 16,
  /** Only the lines needed to decrypt traffic (label prefix; Kamailio's filter matches nothing). */
  FILTER: 1024,
} as const;

/** The key log part of the options a native context is built with. */
export interface KeylogOptions {
  keylogMode: number;
  /** Absolute path ('' = none). */
  keylogFile: string;
  /** `keylog_peer`'s address, IPv6 without brackets ('' = none). */
  keylogPeerIp: string;
  keylogPeerPort: number;
  /** Logs one line (bit 4); called on a later loop turn, never inside the handshake. */
  keylogNotice?: (line: string) => void;
}

/**
 * `keylog_peer` as Kamailio writes it, `udp:IP:PORT` (IPv6 as `udp:[addr]:PORT`); null when it is
 * not that. Only UDP and IP literals: the peer is resolved once, at start, without DNS.
 */
export function parseKeylogPeer(value: string): { ip: string; port: number } | null {
  const m = /^udp:(.+)$/i.exec(value.trim());
  if (!m) return null;
  try {
    const peer = parseHostPort(m[1]);
    return peer.port >= 1 ? peer : null;
  } catch {
    return null;
  }
}

/** Errors of the key log parameters (each naming its parameter); [] when they are usable. */
export function keylogErrors(params: ParamStore): ConfigError[] {
  const mode = params.get('keylog_mode');
  if (!(mode & KeylogMode.INIT)) return [];
  const errors: ConfigError[] = [];
  if ((mode & KeylogMode.FILE) && params.get('keylog_file') === '') {
    errors.push(new ConfigError('keylog_mode has 8 (write keys to a file) but keylog_file is not set', { parameter: 'keylog_file' }));
  }
  if ((mode & KeylogMode.PEER) && parseKeylogPeer(params.get('keylog_peer')) === null) {
    const peer = params.get('keylog_peer');
    errors.push(new ConfigError(peer === ''
      ? 'keylog_mode has 16 (send keys to a UDP peer) but keylog_peer is not set'
      : `keylog_peer '${peer}' is not udp:IP:PORT (an IP address, IPv6 in brackets, and a port 1..65535)`,
    { parameter: 'keylog_peer' }));
  }
  return errors;
}

/** The key log options of every context of a generation. */
export function keylogOptions(params: ParamStore, notice?: (line: string) => void): KeylogOptions {
  const peer = parseKeylogPeer(params.get('keylog_peer'));
  const options: KeylogOptions = {
    keylogMode: params.get('keylog_mode'),
    keylogFile: params.get('keylog_file'),
    keylogPeerIp: peer?.ip ?? '',
    keylogPeerPort: peer?.port ?? 0,
  };
  if (notice) options.keylogNotice = notice;
  return options;
}
