import type { ImageUri } from './imageUri';
import type { FunctionState } from './functionState';

export type DeployPlan =
  | { readonly kind: 'up-to-date'; readonly version: string }
  | {
      readonly kind: 'deploy';
      /** False when $LATEST already runs the image (an earlier attempt, or terraform created it so). */
      readonly updateCode: boolean;
      /** Why a new version is needed, in a few words. */
      readonly reason: string;
      /** The version the alias points to now, if any. */
      readonly fromVersion: string | undefined;
    };

/** What a deploy of `image` has to do, given the function as it is. Pure. */
export function planDeploy(state: FunctionState, image: ImageUri): DeployPlan {
  const { latest, live } = state;
  const updateCode = latest.imageUri !== image.uri;
  const fromVersion = live?.version;
  if (live === undefined) {
    return {
      kind: 'deploy',
      updateCode,
      reason: 'the alias does not exist yet',
      fromVersion,
    };
  }
  if (live.imageUri !== image.uri) {
    return { kind: 'deploy', updateCode, reason: `version ${live.version} runs another image`, fromVersion };
  }
  // The live version runs this image, but $LATEST has moved on: a deploy that failed its smoke test
  // left its image there, or a terraform apply changed the configuration. Publishing makes the alias
  // serve what $LATEST says, once it has passed the smoke test like any other version.
  if (updateCode) {
    return {
      kind: 'deploy',
      updateCode,
      reason: '$LATEST holds the image of an earlier, failed deploy',
      fromVersion,
    };
  }
  if (live.settings !== latest.settings) {
    return {
      kind: 'deploy',
      updateCode,
      reason: `the function's configuration changed since version ${live.version}`,
      fromVersion,
    };
  }
  return { kind: 'up-to-date', version: live.version };
}

/** The plan as the steps `--dry-run` prints. */
export function describePlan(plan: DeployPlan, image: ImageUri, alias: string, smokeTest: boolean): string[] {
  if (plan.kind === 'up-to-date') {
    return [`nothing to do: alias ${alias} already serves version ${plan.version} with ${image.uri}`];
  }
  return [
    `why: ${plan.reason}`,
    plan.updateCode
      ? `update the function's code to ${image.uri} and wait for it`
      : 'keep the code: $LATEST already runs this image',
    'publish a version',
    smokeTest ? 'smoke-test that version with the canary image' : 'no smoke test (--skip-smoke-test)',
    `move alias ${alias} ${plan.fromVersion === undefined ? 'to it (creating the alias)' : `from version ${plan.fromVersion} to it`}`,
  ];
}
