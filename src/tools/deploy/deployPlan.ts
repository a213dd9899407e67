import type { FunctionState } from './functionState';
import type { ImageUri } from './imageUri';

export type DeployPlan =
  | { readonly kind: 'up-to-date'; readonly version: string }
  | {
      readonly kind: 'deploy';
      /** False when $LATEST already runs the image (an earlier attempt, or terraform created it so). */
      readonly updateCode: boolean;
      /** Why a new version is needed, in a few words. */
      readonly reason: string;
      /** The version live points to now. */
      readonly fromVersion: string;
    };

/** Why a deploy of `image` needs a new version, given the function as it is; undefined when it does not. */
function reasonToDeploy({ latest, liveVersion }: FunctionState, image: ImageUri): string | undefined {
  if (liveVersion.imageUri !== image.uri) {
    return `version ${liveVersion.version} runs another image`;
  }
  // The live version runs this image, but $LATEST has moved on: a deploy that failed its smoke test left
  // its image there, or a terraform apply changed the configuration. Publishing makes live serve what
  // $LATEST says, once it has passed the smoke test like any other version.
  if (latest.imageUri !== image.uri) {
    return '$LATEST holds the image of an earlier, failed deploy';
  }
  if (latest.settings !== liveVersion.settings) {
    return `the function's configuration changed since version ${liveVersion.version}`;
  }
  return undefined;
}

/** What a deploy of `image` has to do, given the function as it is. Pure. */
export function planDeploy(state: FunctionState, image: ImageUri): DeployPlan {
  const reason = reasonToDeploy(state, image);
  if (reason === undefined) {
    return { kind: 'up-to-date', version: state.liveVersion.version };
  }
  const updateCode = state.latest.imageUri !== image.uri;
  return { kind: 'deploy', updateCode, reason, fromVersion: state.liveVersion.version };
}

/** The plan as the steps `--dry-run` prints. */
export function describePlan(plan: DeployPlan, image: ImageUri, smokeTest: boolean): string[] {
  if (plan.kind === 'up-to-date') {
    return [`nothing to do: alias live already serves version ${plan.version} with ${image.uri}`];
  }
  return [
    `why: ${plan.reason}`,
    plan.updateCode
      ? `update the function's code to ${image.uri} and wait for it`
      : 'keep the code: $LATEST already runs this image',
    'publish a version',
    smokeTest ? 'smoke-test that version with the canary image' : 'no smoke test (--skip-smoke-test)',
    `point alias previous at version ${plan.fromVersion}, then move alias live from it to the new version`,
  ];
}
