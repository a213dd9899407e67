import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/dockerfile';
import { run } from '../support/terraform';

const lint = (...files: string[]) =>
  run(process.execPath, [join(REPO_ROOT, 'scripts', 'lintDockerfile.mjs'), ...files], REPO_ROOT, process.env);

describe('the Dockerfile lint (npm run lint)', () => {
  it('passes the Dockerfile, ARG-based FROM lines and all', async () => {
    expect(await lint()).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('names each finding by file, line and column, warnings included, and fails', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'thumbnailer-dockerfile-'));
    const broken = join(directory, 'Dockerfile');
    const dockerfile = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    await writeFile(
      broken,
      `${dockerfile}CMD ["index.other"]\nCOPY --chmod\nEXPOSE http\nworkdir relative\n`,
    );
    try {
      const result = await lint(broken);
      const last = dockerfile.trimEnd().split('\n').length; // the image's own CMD
      const at = (line: number, column: number, message: string) =>
        `${broken}:${line}:${column}: ${message} [error]`;
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        at(
          last,
          1,
          'There can only be one CMD instruction in a Dockerfile or build stage. Only the last one will have an effect.',
        ),
        at(last + 2, 1, 'COPY requires at least two arguments'),
        at(last + 2, 8, 'Missing a value on flag: chmod'),
        at(last + 3, 8, 'Invalid containerPort: http'),
        at(last + 4, 1, 'Instructions should be written in uppercase letters'),
        at(last + 4, 9, 'WORKDIR paths should be absolute'),
      ]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
