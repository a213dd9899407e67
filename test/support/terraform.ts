import { execFile } from 'node:child_process';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './dockerfile';

export const TERRAFORM_SOURCE = join(REPO_ROOT, 'terraform');

/** The stacks, in the order they are applied. */
export type StackName = 'dependencies' | 'lambda' | 'delivery';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; resolves with its exit code and output, whatever the code. */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A scratch copy of the stacks, so that state, lock and provider files never land in the source tree,
 * and the environment Terraform runs with there: providers only from TF_PLUGIN_DIR (never the
 * network), no CLI configuration of the machine's, no prompts, no colour.
 */
export async function terraformWorkspace(extraEnv: NodeJS.ProcessEnv = {}) {
  const root = await mkdtemp(join(tmpdir(), 'thumbnailer-terraform-'));
  await cp(TERRAFORM_SOURCE, join(root, 'terraform'), {
    recursive: true,
    filter: (source) => !/(\.terraform|terraform\.tfstate[^/]*|\.terraform\.lock\.hcl)$/.test(source),
  });
  const cliConfig = join(root, 'terraformrc');
  await writeFile(cliConfig, '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extraEnv,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
  };
  const stack = (name: StackName) => join(root, 'terraform', name);
  const terraform = async (name: StackName, ...args: string[]) => {
    const result = await run('terraform', [...args, '-no-color'], stack(name), env);
    return result;
  };
  return {
    root,
    env,
    stack,
    terraform,
    /** `terraform init` from the local mirror only; throws with Terraform's own message on failure. */
    async init(name: StackName) {
      const result = await run(
        'terraform',
        ['init', '-input=false', '-no-color', `-plugin-dir=${process.env.TF_PLUGIN_DIR ?? ''}`],
        stack(name),
        env,
      );
      if (result.code !== 0) {
        throw new Error(`terraform init (${name}) failed:\n${result.stdout}\n${result.stderr}`);
      }
    },
  };
}

/** The AWS CLI's JSON answer, or a thrown error with its message. */
export async function awsCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<unknown> {
  const result = await run('aws', [...args, '--output', 'json'], tmpdir(), env);
  if (result.code !== 0) {
    throw new Error(`aws ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  }
  return result.stdout.trim() === '' ? undefined : JSON.parse(result.stdout);
}
