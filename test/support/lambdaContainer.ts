import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { OWNER_LABEL, PODMAN_GLOBAL_ARGS, podman } from './containerTools';

export interface LambdaFunctionSettings {
  /** The function's memory (MB): the container's memory limit, and what the runtime sizes V8's heap from. */
  readonly memoryMb: number;
  /** The function's own environment (its configuration), as Terraform sets it. */
  readonly environment: Readonly<Record<string, string>>;
  /** Overrides the image's CMD, as the function's image_config.command does. */
  readonly command?: readonly string[];
}

export interface LambdaContainer {
  readonly name: string;
  /** What the container wrote to stdout and stderr so far (the function's logs). */
  output(): string;
  /** Resolves with the container's exit code once it has stopped. */
  readonly exited: Promise<number | null>;
  /** Ends it as Lambda ends a sandbox: SIGKILL (the runtime client, PID 1, ignores SIGTERM). */
  kill(): Promise<void>;
}

/** Lambda's sandbox user (sbx_user1051) has no root, no capabilities and no name in the image. */
const SANDBOX_USER = '993:990';
/** Lambda's /tmp default: 512 MB, the only writable place. */
const TMP_MB = 512;

/** The variables Lambda's service sets for a function, besides the function's own. */
function lambdaEnvironment(runtimeApi: string, memoryMb: number): Record<string, string> {
  const stream = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
  return {
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_LAMBDA_FUNCTION_NAME: 'thumbnailer',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/thumbnailer',
    AWS_LAMBDA_LOG_STREAM_NAME: stream,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    TZ: ':UTC',
  };
}

/** `podman run` as Lambda runs a function's image, on the host's network (the Runtime API is on 127.0.0.1). */
function runArguments(name: string, image: string, runtimeApi: string, settings: LambdaFunctionSettings) {
  const environment = { ...lambdaEnvironment(runtimeApi, settings.memoryMb), ...settings.environment };
  return [
    ...PODMAN_GLOBAL_ARGS,
    'run',
    '--rm',
    '--pull=never',
    `--name=${name}`,
    `--label=${OWNER_LABEL}=${process.pid}`,
    '--network=host',
    `--user=${SANDBOX_USER}`,
    '--read-only',
    '--read-only-tmpfs=false',
    `--tmpfs=/tmp:rw,size=${TMP_MB}m,mode=1777`,
    `--memory=${settings.memoryMb}m`,
    `--memory-swap=${settings.memoryMb}m`,
    // Lambda's quotas: 1,024 file descriptors and 1,024 processes or threads.
    '--ulimit=nofile=1024:1024',
    '--ulimit=nproc=1024:1024',
    '--cap-drop=all',
    '--security-opt=no-new-privileges',
    ...Object.entries(environment).map(([key, value]) => `--env=${key}=${value}`),
    image,
    ...(settings.command ?? []),
  ];
}

/** Starts a function container from `image`, polling the Runtime API at `runtimeApi` (`host:port`). */
export function runLikeLambda(
  image: string,
  runtimeApi: string,
  settings: LambdaFunctionSettings,
): LambdaContainer {
  const name = `thumbnailer-function-${process.pid}-${randomBytes(4).toString('hex')}`;
  const child = spawn('podman', runArguments(name, image, runtimeApi, settings), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      resolve(code);
    });
    child.on('error', (error) => {
      output += `\n${error.message}`;
      resolve(null);
    });
  });
  return {
    name,
    output: () => output,
    exited,
    async kill() {
      // Until podman has created the container there is nothing to kill yet: try again shortly.
      for (
        let attempt = 0;
        attempt < 120 && child.exitCode === null && child.signalCode === null;
        attempt += 1
      ) {
        if (
          await podman('kill', name).then(
            () => true,
            () => false,
          )
        ) {
          break;
        }
        await setTimeout(250);
      }
      await exited;
    },
  };
}
