import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A certificate and its private key, as PEM files. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface CertificateAuthority {
  /** The CA's own certificate: what a client trusts (TEMPORAL_TLS_SERVER_CA_CERT_PATH) or a server checks client certificates against. */
  cert: string;
  /** Issues a certificate for `commonName`, valid for the given DNS names and IP addresses, usable by a server and a client. */
  issue(commonName: string, altNames?: { dns?: string[]; ip?: string[] }): Promise<CertificateFiles>;
}

/**
 * A throwaway certificate authority made with openssl, for TLS and mTLS between wavflow and a
 * local Temporal cluster: EC P-256 keys, certificates valid for a week.
 */
export async function createCertificateAuthority(dir: string, name: string): Promise<CertificateAuthority> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = { cert: join(dir, `${name}-ca.pem`), key: join(dir, `${name}-ca-key.pem`) };
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '7',
    '-subj', `/CN=${name} test CA`, '-keyout', ca.key, '-out', ca.cert,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return {
    cert: ca.cert,
    issue: async (commonName, altNames = { dns: ['localhost'], ip: ['127.0.0.1'] }) => {
      const files = { cert: join(dir, `${commonName}.pem`), key: join(dir, `${commonName}-key.pem`) };
      const request = join(dir, `${commonName}.csr`);
      const extensions = join(dir, `${commonName}.ext`);
      const san = [...(altNames.dns ?? []).map((d) => `DNS:${d}`), ...(altNames.ip ?? []).map((ip) => `IP:${ip}`)].join(',');
      await writeFile(
        extensions,
        [
          'basicConstraints=critical,CA:FALSE',
          'keyUsage=critical,digitalSignature,keyEncipherment',
          'extendedKeyUsage=serverAuth,clientAuth',
          ...(san ? [`subjectAltName=${san}`] : []),
        ].join('\n'),
      );
      await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${commonName}`, '-keyout', files.key, '-out', request]);
      await openssl(['x509', '-req', '-in', request, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '7', '-extfile', extensions, '-out', files.cert]);
      await rm(request, { force: true });
      await rm(extensions, { force: true });
      return files;
    },
  };
}

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, (error, _stdout, stderr) => {
      if (error) reject(new Error(`openssl ${args[0]} failed: ${stderr.trim() || error.message}${(error as NodeJS.ErrnoException).code === 'ENOENT' ? ' (is openssl installed?)' : ''}`));
      else resolve();
    });
  });
}
