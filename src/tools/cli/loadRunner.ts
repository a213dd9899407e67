import { messageOf } from '../../common/errors';
import type { runJobs } from './runJobs';

/** sharp could not be loaded: the run cannot start, and the reason fits on one line. */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
}

/**
 * What stops sharp (a native add-on) from loading, in one line: its own error is a screen of install
 * advice and a stack trace, which for `node --no-addons` (or that flag in NODE_OPTIONS) is all beside
 * the point.
 */
export function engineLoadProblem(error: unknown): string {
  const message = messageOf(error);
  if (message.includes('ERR_DLOPEN_DISABLED')) {
    return 'native add-ons are disabled (node --no-addons, perhaps in NODE_OPTIONS), and sharp, the image library, is one: run without that flag';
  }
  const first = message.split('\n').find((line) => line.trim() !== '') ?? 'unknown error';
  return `cannot load sharp, the image library (${first.trim()}): run npm ci in the checkout`;
}

/** The job runner, loaded only when there is work: loading it loads sharp. */
export async function loadRunner(): Promise<typeof runJobs> {
  try {
    return (await import('./runJobs.js')).runJobs;
  } catch (error) {
    throw new EngineUnavailableError(engineLoadProblem(error));
  }
}
