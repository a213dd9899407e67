import { execFileSync } from 'node:child_process';
import { median, round } from './statistics';

export interface ColdStart {
  readonly runs: number;
  /** From the first line of user code to the handler being ready: loading the bundle and its init. */
  readonly requireMedianMs: number;
  /** From the process starting (Node's own boot included) to the handler being ready. */
  readonly readyMedianMs: number;
}

// performance.now() counts from the moment the process started.
const PROBE = `const before = performance.now();
require(process.argv[1]);
const ready = performance.now();
process.stdout.write(JSON.stringify({ requireMs: ready - before, readyMs: ready }));`;

/** Loads the built Lambda bundle in fresh processes, the way each new execution environment does. */
export function measureColdStart(bundle: string, runs: number): ColdStart {
  const env = {
    PATH: process.env.PATH ?? '',
    THUMBNAIL_BUCKET: 'bench-thumbnails',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const samples = Array.from({ length: runs }, () => {
    const output = execFileSync(process.execPath, ['-e', PROBE, bundle], { env }).toString();
    return JSON.parse(output) as { requireMs: number; readyMs: number };
  });
  return {
    runs,
    requireMedianMs: round(median(samples.map((sample) => sample.requireMs))),
    readyMedianMs: round(median(samples.map((sample) => sample.readyMs))),
  };
}
