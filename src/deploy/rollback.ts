import { type LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { aliasDescription, previousVersionIn } from './aliasDescription';
import type { RollbackArguments } from './deployArguments';
import { awsCall, DeployError } from './deployError';
import { readFunctionState, readVersion } from './functionState';
import { shortDigest } from './imageUri';

export interface RollbackDependencies {
  readonly lambda: LambdaClient;
  readonly report: (line: string) => void;
}

export interface RollbackOutcome {
  readonly status: 'rolled-back' | 'planned' | 'up-to-date';
  readonly functionName: string;
  readonly alias: string;
  readonly version: string;
  readonly previousVersion: string;
  readonly imageUri: string | undefined;
}

/**
 * Moves the alias back to the version it served before its last move (or to `--to-version`). No smoke
 * test: that version passed one when it went live. The alias then remembers the version it left, so a
 * second rollback undoes the first.
 */
export async function rollback(
  deps: RollbackDependencies,
  args: RollbackArguments,
): Promise<RollbackOutcome> {
  const { lambda, report } = deps;
  const state = await readFunctionState(lambda, args.functionName, args.alias);
  if (state.alias === undefined) {
    throw new DeployError(
      `function ${args.functionName} has no alias ${args.alias}: nothing to roll back`,
      'deploy first',
    );
  }
  const current = state.alias.version;
  const target = args.toVersion ?? previousVersionIn(state.alias.description);
  if (target === undefined) {
    throw new DeployError(
      `alias ${args.alias} records no previous version (description: ${JSON.stringify(state.alias.description)})`,
      `pass --to-version <n>; aws lambda list-versions-by-function --function-name ${args.functionName} lists them`,
    );
  }
  const to = await readVersion(lambda, args.functionName, target);
  const outcome = {
    functionName: args.functionName,
    alias: args.alias,
    previousVersion: current,
    imageUri: to.imageUri,
  };
  report(
    `alias ${args.alias}: version ${current} (${shortDigest(state.live?.imageUri ?? '?')}) -> version ${target} (${shortDigest(to.imageUri ?? '?')})`,
  );
  if (target === current) {
    report(`nothing to do: alias ${args.alias} already serves version ${target}`);
    return { ...outcome, status: 'up-to-date', version: target };
  }
  if (args.dryRun) {
    report('dry run: the alias was not moved');
    return { ...outcome, status: 'planned', version: target };
  }
  await awsCall(
    {
      doing: `moving alias ${args.functionName}:${args.alias} to version ${target}`,
      action: 'lambda:UpdateAlias',
      resource: `${state.latest.functionArn}:${args.alias}`,
    },
    () =>
      lambda.send(
        new UpdateAliasCommand({
          FunctionName: args.functionName,
          Name: args.alias,
          FunctionVersion: target,
          Description: aliasDescription(current, to.imageUri),
          RevisionId: state.alias?.revisionId,
        }),
      ),
  );
  report(`alias ${args.alias} now serves version ${target}`);
  return { ...outcome, status: 'rolled-back', version: target };
}
