import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, arch, cpus, platform } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './dockerfile';

/** Where the reliability suites leave their figures; `npm run test:reliability` writes them into the docs. */
export const REPORT_DIR = join(REPO_ROOT, '.reliability');

/** The machine the figures were measured on, as scripts/lib/generatedSections.mjs describes one. */
const machine = () => ({
  cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
  cores: availableParallelism(),
  platform: `${platform()}-${arch()}`,
  node: process.version,
});

/** Records one suite's measured figures (counts, bytes), replacing those of its previous run. */
export async function reportFigures(suite: string, figures: Record<string, number | string>): Promise<void> {
  await mkdir(REPORT_DIR, { recursive: true });
  await writeFile(
    join(REPORT_DIR, `${suite}.json`),
    `${JSON.stringify({ suite, at: new Date().toISOString(), machine: machine(), ...figures }, null, 2)}\n`,
  );
}
