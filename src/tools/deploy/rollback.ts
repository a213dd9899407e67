import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { RollbackArguments } from './deployArguments';
import { DeployError } from './deployError';
import { type FunctionState, isPublished, pointAlias, readFunctionState, readVersion } from './functionState';
import { shortDigest } from './imageUri';
import { messageOf } from '../../common/errors';

export interface RollbackDependencies {
  readonly lambda: LambdaClient;
  readonly report: (line: string) => void;
}

export interface RollbackOutcome {
  readonly status: 'rolled-back' | 'planned' | 'up-to-date';
  readonly functionName: string;
  /** The version live serves afterwards (or would, for a plan). */
  readonly version: string;
  /** The version live served before. */
  readonly previousVersion: string;
  readonly imageUri: string | undefined;
}

/** Where live goes: `--to-version`, or the version previous holds when that is an earlier published one. */
function targetOf(state: FunctionState, args: RollbackArguments): string {
  const target = args.toVersion ?? state.previous.version;
  if (args.toVersion === undefined && (target === state.live.version || !isPublished(target))) {
    const why = target === state.live.version ? 'the one live serves' : 'not a published one';
    throw new DeployError(
      `alias previous points to version ${target}, ${why}: there is no earlier version to go back to`,
      `pass --to-version <n>; aws lambda list-versions-by-function --function-name ${args.functionName} lists them`,
    );
  }
  return target;
}

/** Live first, so that traffic comes off the bad version even if the second move fails; then previous. */
async function swap(lambda: LambdaClient, state: FunctionState, target: string): Promise<string> {
  const from = state.live.version;
  // Live on $LATEST (moved there by hand) is not recorded: previous keeps a version that was tested.
  const keep = isPublished(from) ? from : target;
  await pointAlias(lambda, state, state.live, target);
  await pointAlias(lambda, state, state.previous, keep).catch((error: unknown) => {
    throw new DeployError(
      `alias live now serves version ${target}, but alias previous still holds ${state.previous.version}: ${messageOf(error)}`,
      `to undo this rollback, pass --to-version ${from}`,
    );
  });
  return keep;
}

/**
 * Moves live back to the version alias previous holds (or to `--to-version`), then points previous at the
 * version live left, so that a second rollback undoes the first. No smoke test: the version goes back to
 * traffic it served before (or that the operator named).
 */
export async function rollback(
  deps: RollbackDependencies,
  args: RollbackArguments,
): Promise<RollbackOutcome> {
  const { lambda, report } = deps;
  const state = await readFunctionState(lambda, args.functionName);
  const from = state.live.version;
  const target = targetOf(state, args);
  const to = await readVersion(lambda, args.functionName, target);
  const outcome = { functionName: args.functionName, previousVersion: from, imageUri: to.imageUri };
  report(
    `alias live: version ${from} (${shortDigest(state.liveVersion.imageUri)}) -> version ${target} (${shortDigest(to.imageUri)})`,
  );
  if (target === from) {
    report(`nothing to do: alias live already serves version ${target}`);
    return { ...outcome, status: 'up-to-date', version: target };
  }
  if (args.dryRun) {
    report('dry run: no alias was moved');
    return { ...outcome, status: 'planned', version: target };
  }
  const kept = await swap(lambda, state, target);
  report(
    `alias live now serves version ${target}; alias previous holds version ${kept} (--rollback again undoes this)`,
  );
  return { ...outcome, status: 'rolled-back', version: target };
}
