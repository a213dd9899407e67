import { join } from 'node:path';
import { REPO_ROOT } from '../../support/dockerfile';
import { run } from '../../support/terraform';

// Jest's global setup has just built dist/ (npm run build). Each case is refused before any measuring.
const BENCH = join(REPO_ROOT, 'dist', 'bench', 'main.js');

describe('npm run bench refuses what it does not know, before measuring anything', () => {
  it.each([
    ['a typo, with the flag meant', ['--qiuck'], /unknown option --qiuck \(did you mean --quick\?\)/],
    ['a value given to a switch', ['--compare=yes'], /--compare takes no value/],
    ['--json without its path', ['--json'], /--json needs a value/],
    ['a stray argument', ['compare'], /unexpected argument compare: the bench takes only flags/],
    [
      'a scenario it does not have',
      ['--only', 'rendition'],
      /--only takes one of thumbnail, renditions, not rendition/,
    ],
    ['--only without its scenario', ['--only'], /--only needs a value/],
    [
      '--compare where it means nothing',
      ['--only=renditions', '--compare'],
      /--compare is for the thumbnail scenario: the renditions scenario always measures its peers/,
    ],
  ])('%s', async (_case, args, message) => {
    const result = await run(process.execPath, [BENCH, ...args], REPO_ROOT, process.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('prints its usage for --help and measures nothing', async () => {
    const result = await run(process.execPath, [BENCH, '--help'], REPO_ROOT, process.env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      'usage: npm run bench [-- --compare] [--quick] [--only thumbnail|renditions] [--json <path>]\n',
    );
  });
});
