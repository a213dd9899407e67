import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getContainerRuntimeClient } from 'testcontainers';
import { probeImageTools } from './containerTools';
import { chromiumPath } from './browser';
import { markUnavailable, requiredTiers, TIERS, type Tier, unavailableReason } from './tiers';
import { messageOf } from '../../src/common/errors';

/** Why `command` cannot run here, or undefined when it can. */
function probeCommand(command: string, args: string[]): string | undefined {
  const probe = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return probe.error || probe.status !== 0 ? `${command} is not on PATH` : undefined;
}

/** Terraform may install providers only from a local mirror: tests never fetch from the network. */
function probeTerraform(): string | undefined {
  const pluginDir = process.env.TF_PLUGIN_DIR;
  if (!pluginDir || !existsSync(pluginDir)) {
    return 'TF_PLUGIN_DIR does not name a provider mirror folder (tests never download providers)';
  }
  return probeCommand('terraform', ['version']) ?? probeCommand('openssl', ['version']);
}

async function probeContainers(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
    return undefined;
  } catch (error) {
    return `no container runtime answered (${messageOf(error)})`;
  }
}

/**
 * Runs once before all suites. Workers inherit process.env, so the verdicts recorded here reach them.
 * Each skipped tier is announced in one line; a tier that `.ci/run` requires fails the whole run instead.
 */
export default async function globalSetup(): Promise<void> {
  // Suites run the built entry points (the Lambda bundle, npm start, the CLI) exactly as shipped.
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: join(__dirname, '..', '..'), stdio: 'inherit' });
  const verdicts: Record<Tier, string | undefined> = {
    moto: probeCommand('moto_server', ['--help']),
    awscli: probeCommand('aws', ['--version']),
    boto3: probeCommand('python3', ['-c', 'import boto3']) && 'python3 cannot import boto3',
    terraform: probeTerraform(),
    containers: await probeContainers(),
    heif: probeCommand('heif-enc', ['--list-encoders']),
    chromium: chromiumPath() === undefined ? 'chromium is not on PATH' : undefined,
    image: probeImageTools(),
  };
  for (const [tier, reason] of Object.entries(verdicts) as [Tier, string | undefined][]) {
    if (reason !== undefined) {
      markUnavailable(tier, reason);
    }
  }
  const missing = requiredTiers().filter((tier) => unavailableReason(tier) !== undefined);
  if (missing.length > 0) {
    const detail = missing.map((tier) => `${tier}: ${unavailableReason(tier)}; install ${TIERS[tier]}`);
    throw new Error(`Required test tiers are unavailable: ${detail.join('; ')}`);
  }
  for (const tier of Object.keys(verdicts) as Tier[]) {
    const reason = unavailableReason(tier);
    if (reason !== undefined) {
      console.warn(`\n[tests] skipping the ${tier} tier: ${reason}. To run it, install ${TIERS[tier]}.`);
    }
  }
}
