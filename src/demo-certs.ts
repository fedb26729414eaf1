/**
 * A demo CA, a server certificate and a sample `tls.cfg` + `sip-tls.ini`, made with
 * `/usr/bin/openssl` so that `sip-tls serve` works on a fresh clone without any setup.
 * Nothing here is for production: the keys are unencrypted and the CA is local.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureCa, issueCertificate } from './local-ca/local-ca';

/** Where the files of a demo setup are. */
export interface DemoFiles {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  tlsCfg: string;
  ini: string;
}

/** Options of {@link ensureDemoSetup}. */
export interface DemoOptions {
  /** The listen address written into `sip-tls.ini`; default `127.0.0.1:5061`. */
  listen?: string;
  /** Days the certificates are valid; default 825. */
  days?: number;
}

/**
 * Creates (once) the demo setup in `dir`: CA, server certificate for localhost/127.0.0.1/::1,
 * `tls.cfg` and `sip-tls.ini`. Files already there are left alone, so a second run reuses them.
 */
export function ensureDemoSetup(dir: string, options: DemoOptions = {}): DemoFiles {
  const days = options.days ?? 825;
  const listen = options.listen ?? '127.0.0.1:5061';
  const ca = ensureCa(dir, days);
  const server = issueCertificate(dir, 'server', ['localhost'], ['127.0.0.1', '::1'], days);
  const tlsCfg = path.join(dir, 'tls.cfg');
  if (!fs.existsSync(tlsCfg)) {
    fs.writeFileSync(tlsCfg, `# Demo tls.cfg made by sip-tls serve (Kamailio tls.cfg syntax).
[server:default]
method = TLSv1.2+
certificate = server.pem
private_key = server.key
ca_list = ca.pem
verify_client = optional_no_ca

[client:default]
method = TLSv1.2+
verify_certificate = yes
ca_list = ca.pem
`);
  }
  const ini = path.join(dir, 'sip-tls.ini');
  if (!fs.existsSync(ini)) {
    fs.writeFileSync(ini, `; Demo sip-tls.ini made by sip-tls serve.
listen = tls:${listen}
; JSON-RPC (sip-tls rpc, kamcli): HTTP on loopback and a unix datagram socket beside this file
rpc[] = http:127.0.0.1:5062
rpc[] = unix:rpc.sock

[tls]
config = tls.cfg
connection_timeout = 600
`);
  }
  return { dir, caCert: ca.cert, caKey: ca.key, serverCert: server.cert, serverKey: server.key, tlsCfg, ini };
}
