/** `sip-tls rpc --table tls.list`: one aligned line per connection. */
import type { TlsListEntry } from '../rpc/host';

const COLUMNS: Array<[string, (e: TlsListEntry) => string]> = [
  ['ID', (e) => String(e.id)],
  ['GEN', (e) => String(e.generation ?? '')],
  ['STATE', (e) => e.state],
  ['PEER', (e) => `${e.src_ip}:${e.src_port}`],
  ['LOCAL', (e) => `${e.dst_ip}:${e.dst_port}`],
  ['PROFILE', (e) => e.dom],
  ['SNI', (e) => e.sni],
  ['TIMEOUT', (e) => String(e.timeout)],
  ['WQ', (e) => String(e.ct_wq_size)],
  ['FLAGS', (e) => String(e.flags)],
  // SSL_CIPHER_description starts with the cipher's name; the rest is for the JSON output.
  ['CIPHER', (e) => (e.cipher || '-').trim().split(/\s+/)[0]],
  ['SINCE', (e) => e.timestamp],
];

export function formatConnectionTable(entries: TlsListEntry[]): string {
  const rows = entries.map((e) => COLUMNS.map(([, get]) => get(e)));
  const header = COLUMNS.map(([name]) => name);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
