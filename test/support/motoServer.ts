import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { S3Endpoint } from './s3Client';

export interface RunningMoto extends S3Endpoint {
  /** With TLS: the certificate to trust (AWS_CA_BUNDLE for the AWS CLI and Terraform). */
  readonly caBundle: string | undefined;
  stop(): Promise<void>;
}

const READY = /Running on (https?):\/\/127\.0\.0\.1:(\d+)/;
/** sitecustomize.py here makes moto read S3 bucket-policy conditions as S3 does; see the file. */
const PATCHES = join(__dirname, 'moto');

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY.exec(output);
      if (match?.[2]) {
        resolve(Number(match[2]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`moto_server exited (${String(code)}) before serving:\n${output}`));
    });
  });
}

/** A certificate for 127.0.0.1 alone, valid for two days, made for one test run. */
async function selfSignedCertificate(directory: string): Promise<{ cert: string; key: string }> {
  const [cert, key] = [join(directory, 'cert.pem'), join(directory, 'key.pem')];
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}

/**
 * moto_server on 127.0.0.1 and a port of its choosing (port 0), ended by PID when the suite is done.
 * With `tls`, it serves HTTPS only, with a fresh self-signed certificate, so that TLS-only bucket
 * policies can be honoured as on AWS. `env` adds moto settings (MOTO_LAMBDA_STUB_ECR, ...).
 */
export async function startMotoServer(
  options: { tls?: boolean; env?: Record<string, string> } = {},
): Promise<RunningMoto> {
  const directory = await mkdtemp(join(tmpdir(), 'thumbnailer-moto-'));
  const tls = options.tls ? await selfSignedCertificate(directory) : undefined;
  const child = spawn(
    'moto_server',
    ['-H', '127.0.0.1', '-p', '0', ...(tls ? ['-c', tls.cert, '-k', tls.key] : [])],
    {
      env: {
        ...process.env,
        MOTO_IAM_LOAD_MANAGED_POLICIES: 'true',
        ...options.env,
        PYTHONPATH: [PATCHES, process.env.PYTHONPATH].filter(Boolean).join(':'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const port = await waitForPort(child);
  return {
    endpoint: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    accessKeyId: 'test',
    secretAccessKey: 'test',
    caBundle: tls?.cert,
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * What the AWS CLI, the SDKs and Terraform need to talk to this moto in `region`: its endpoint, its
 * certificate when it serves TLS, its test credentials, and the region under both names (awscli v1 reads
 * AWS_DEFAULT_REGION).
 */
export function awsEnvironment(moto: RunningMoto, region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: moto.endpoint,
    ...(moto.caBundle === undefined ? {} : { AWS_CA_BUNDLE: moto.caBundle }),
    AWS_ACCESS_KEY_ID: moto.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.secretAccessKey,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
  };
}
