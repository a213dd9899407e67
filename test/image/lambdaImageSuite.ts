import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Arch, hostArch, removeStaleArtifacts } from '../support/containerTools';
import { REPO_ROOT } from '../support/dockerfile';
import { buildLambdaImage, type LambdaImage, removeLambdaImage } from '../support/lambdaImage';
import { describeTier } from '../support/tiers';
import { type FunctionS3, startFunctionS3 } from './functionS3';
import { type Scenario, SCENARIOS } from './imageScenarios';

/** A default of the lambda stack's variables: the function runs here with the memory and timeout it deploys with. */
function terraformDefault(name: string): number {
  const variables = readFileSync(join(REPO_ROOT, 'terraform', 'lambda', 'variables.tf'), 'utf8');
  const match = new RegExp(`variable "${name}" \\{[^}]*?default\\s*=\\s*(\\d+)`, 's').exec(variables);
  if (!match?.[1]) {
    throw new Error(`terraform/lambda/variables.tf has no numeric default for ${name}`);
  }
  return Number(match[1]);
}

/** A cold build (root filesystems, the runtime client, an emulated npm ci) takes minutes; a warm one seconds. */
const BUILD_TIMEOUT_MS = 45 * 60_000;

/**
 * The image tier for one architecture: builds the image (beforeAll), then starts every scenario at once,
 * each in containers of its own (a function's init under qemu-user takes many seconds of CPU, and they are
 * independent); each test awaits its scenario.
 */
export function describeLambdaImage(arch: Arch): void {
  const emulated = hostArch() !== arch;
  // qemu-user runs everything 5-10 times slower: the invocation deadline, a guard against hangs, grows with it.
  const deadlineMs = terraformDefault('timeout') * 1000 * (emulated ? 10 : 1);
  const title = `the container image for linux/${arch}${emulated ? ' (under qemu-user)' : ''}, run as Lambda runs it`;

  describeTier('image', title, () => {
    let image: LambdaImage | undefined;
    let s3: FunctionS3 | undefined;
    const running = new Map<Scenario, Promise<void>>();

    beforeAll(async () => {
      await removeStaleArtifacts();
      image = await buildLambdaImage(arch);
      s3 = await startFunctionS3();
      const settings = { memoryMb: terraformDefault('memory_size'), environment: s3.environment };
      for (const scenario of SCENARIOS) {
        const run = scenario.run({ image, s3, settings, deadlineMs, emulated });
        run.catch(() => undefined); // reported by the scenario's own test
        running.set(scenario, run);
      }
    }, BUILD_TIMEOUT_MS);
    afterAll(async () => {
      await Promise.allSettled(running.values());
      await s3?.stop();
      await removeLambdaImage(image);
    });

    for (const scenario of SCENARIOS) {
      it(
        scenario.title(arch),
        async () => {
          await (running.get(scenario) ?? Promise.reject(new Error('the image was not built')));
        },
        4 * deadlineMs,
      );
    }
  });
}
