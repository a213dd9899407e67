import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './dockerfile';

/** Where the reliability suites leave their figures; `npm run test:reliability` prints them. */
export const REPORT_DIR = join(REPO_ROOT, '.reliability');

/** Records one suite's measured figures (counts, bytes), replacing those of its previous run. */
export async function reportFigures(suite: string, figures: Record<string, number | string>): Promise<void> {
  await mkdir(REPORT_DIR, { recursive: true });
  await writeFile(
    join(REPORT_DIR, `${suite}.json`),
    `${JSON.stringify({ suite, at: new Date().toISOString(), ...figures }, null, 2)}\n`,
  );
}
