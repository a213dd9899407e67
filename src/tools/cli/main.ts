/**
 * The `thumbnailer` command: local files in, thumbnails out, with the Lambda's engine and settings.
 * Exit codes: 0 when nothing failed, 1 when some file failed, 2 for bad usage (nothing was written).
 */
import { describeRendition } from '../../core/renditions';
import { printable } from '../../common/text';
import { type CliArguments, CLI_USAGE, parseCliArguments } from './cliArguments';
import { OutputFolder } from './outputFolder';
import { type Plan, planJobs } from './planJobs';
import { ProgressBar } from './progressBar';
import type { JobOutcome, RunSummary } from './runJobs';
import { loadRunner } from './loadRunner';
import { version } from '../../../package.json';
import type { Notice } from './walkInputs';
import { exitWith, messageOf, UsageError } from '../../common/errors';

/** One line on stderr per failure or notable skip. Names are escaped: a file name cannot forge a line. */
const outcomeLine = ({ status, path, reason }: Notice): string =>
  `${status}: ${printable(path)}: ${printable(reason)}`;

/** The arguments, the plan and the output folder, or a usage error (exit 2) before anything is written. */
async function prepare(): Promise<{ args: CliArguments; plan: Plan; folder?: OutputFolder } | undefined> {
  try {
    const args = parseCliArguments(process.argv.slice(2), process.env);
    if (args === 'help' || args === 'version') {
      process.stdout.write(args === 'help' ? CLI_USAGE : `thumbnailer ${version}\n`);
      return undefined;
    }
    const plan = await planJobs(args.inputs, args.out, args.renditions);
    const folder = plan.jobs.length > 0 ? await OutputFolder.open(args.out) : undefined;
    return { args, plan, folder };
  } catch (error) {
    if (error instanceof UsageError) {
      exitWith('thumbnailer', printable(error.message), 2, 'run `npm run thumbnailer -- --help` for usage');
    }
    throw error;
  }
}

const files = (count: number) => `${count} file${count === 1 ? '' : 's'}`;

async function main(): Promise<void> {
  const prepared = await prepare();
  if (!prepared) {
    return;
  }
  const { args, plan, folder } = prepared;
  const summary: RunSummary = { made: 0, skipped: 0, failed: 0, written: 0, current: 0 };
  for (const notice of plan.notices) {
    console.error(outcomeLine(notice));
    summary[notice.status] += 1;
  }
  if (folder) {
    const runJobs = await loadRunner();
    const progress = process.stderr.isTTY ? new ProgressBar(process.stderr, plan.jobs.length) : undefined;
    progress?.draw();
    const named = new Set(args.inputs);
    const namedAndRefused = (outcome: JobOutcome) =>
      outcome.status === 'skipped' && outcome.current === undefined && named.has(outcome.input);
    const counts = await runJobs(plan.jobs, {
      ...args,
      folder,
      onOutcome: (outcome: JobOutcome) => {
        // A skipped input that took its old thumbnails with it says so: files vanished from --out. So
        // does a file named on the command line that is not an image: it was asked for by name.
        if (outcome.status === 'failed' || outcome.removed !== undefined || namedAndRefused(outcome)) {
          progress?.clear();
          const { status, input: path, reason = '' } = outcome;
          console.error(outcomeLine({ status: status === 'made' ? 'skipped' : status, path, reason }));
        }
        progress?.tick();
      },
    });
    progress?.clear();
    summary.made += counts.made;
    summary.skipped += counts.skipped;
    summary.failed += counts.failed;
    summary.written += counts.written;
    summary.current += counts.current;
  }
  process.stdout.write(`${summary.made} made, ${summary.skipped} skipped, ${summary.failed} failed\n`);
  if (!args.renditions.every((rendition) => rendition.implicit)) {
    // Counted in inputs above; here in files, with what each input becomes.
    const renditions = args.renditions.map(describeRendition).join('; ');
    process.stdout.write(
      `renditions ${renditions}: ${files(summary.written)} written, ${summary.current} already current\n`,
    );
  }
  process.exitCode = summary.failed === 0 ? 0 : 1;
}

/**
 * `thumbnailer ... | head` closes the pipe early; the work goes on (its outcome is in the files and the
 * exit code) instead of dying on an unhandled EPIPE with a stack trace.
 */
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') {
      throw error;
    }
  });
}

main().catch((error: unknown) => {
  exitWith('thumbnailer', printable(messageOf(error)), 1);
});
