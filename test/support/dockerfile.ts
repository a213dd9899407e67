import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

export interface DockerfileStage {
  readonly name: string | undefined;
  readonly instructions: ReadonlyArray<{ readonly keyword: string; readonly args: string }>;
}

/** The Dockerfile's stages and instructions, with line continuations joined and comments dropped. */
export function readDockerfile(path = join(REPO_ROOT, 'Dockerfile')): DockerfileStage[] {
  const lines = readFileSync(path, 'utf8')
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Array<{ name: string | undefined; instructions: Array<{ keyword: string; args: string }> }> =
    [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      stages.push({ name: /\bAS\s+(\S+)$/i.exec(args)?.[1], instructions: [] });
    }
    stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}
