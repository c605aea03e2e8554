import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCert {
  /** PEM files, for GIT_SSL_CAINFO and the like. */
  certFile: string;
  cert: string;
  key: string;
}

/**
 * A self-signed certificate (P-256: made in milliseconds) valid for `names` (DNS names or IPv4
 * addresses), written under `dir`. It is its own CA, so pointing GIT_SSL_CAINFO at it makes git trust it.
 */
export function selfSignedCert(dir: string, names: readonly string[] = ['localhost', '127.0.0.1']): TestCert {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const san = names.map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${names[0] ?? 'localhost'}`,
    '-addext', `subjectAltName=${san}`,
  ], { stdio: 'ignore' });
  return { certFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
