/**
 * Optional test tiers: suites that need a tool this machine may lack. `globalSetup` probes each tier once
 * and records why it is unavailable (or nothing when it is); suites then run or skip as a whole.
 *
 * `THUMBNAILER_REQUIRE_TIERS` (comma-separated, set by `.ci/run`) turns a missing tier into a failure, so CI
 * can never go green by skipping.
 */
export const TIERS = {
  moto: 'moto_server (pip install "moto[server]")',
  awscli: 'the AWS CLI (v1 or v2)',
  boto3: 'boto3 for python3 (pip install boto3; moto[server] brings it)',
  terraform: 'terraform, its AWS provider in a local mirror named by TF_PLUGIN_DIR, and openssl',
  containers: 'a container runtime (Docker, Podman, ...) for testcontainers',
  heif: "heif-enc from Debian's libheif-examples (the HEIC fixtures are made with it)",
  chromium:
    "Debian's chromium (apt-get install chromium), which playwright-core drives headless (it never downloads a browser)",
  image:
    'buildah, podman, runc, debootstrap, cmake, g++, g++-aarch64-linux-gnu (g++-x86-64-linux-gnu on arm64) and qemu-user-static with binfmt_misc, as root (.ci/run does)',
} as const;

export type Tier = keyof typeof TIERS;

const envName = (tier: Tier): string => `THUMBNAILER_TIER_${tier.toUpperCase()}_UNAVAILABLE`;

export function markUnavailable(tier: Tier, reason: string): void {
  process.env[envName(tier)] = reason;
}

export function unavailableReason(tier: Tier): string | undefined {
  return process.env[envName(tier)];
}

export function requiredTiers(): Tier[] {
  const listed = (process.env.THUMBNAILER_REQUIRE_TIERS ?? '').split(',').map((name) => name.trim());
  return (Object.keys(TIERS) as Tier[]).filter((tier) => listed.includes(tier));
}

/** `describe` when every tier named is available, `describe.skip` otherwise (globalSetup has said why, once). */
export function describeTier(tiers: Tier | readonly Tier[], name: string, body: () => void): void {
  const needed = typeof tiers === 'string' ? [tiers] : tiers;
  (needed.every((tier) => unavailableReason(tier) === undefined) ? describe : describe.skip)(name, body);
}
