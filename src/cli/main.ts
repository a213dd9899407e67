/**
 * The `thumbnailer` command: local files in, thumbnails out, with the Lambda's engine and settings.
 * Exit codes: 0 when nothing failed, 1 when some file failed, 2 for bad usage.
 */
import { OUTPUT_FORMATS } from '../engine/thumbnailOptions';
import { UsageError } from '../validation/usageError';
import { CLI_USAGE, parseCliArguments } from './cliArguments';
import { planJobs } from './planJobs';
import { ProgressBar } from './progressBar';
import { type JobOutcome, runJobs } from './runJobs';

function fail(message: string, code: number): never {
  console.error(`thumbnailer: ${message}`);
  process.exit(code);
}

async function main(): Promise<void> {
  let args;
  let jobs;
  try {
    args = parseCliArguments(process.argv.slice(2), process.env);
    if (!args) {
      process.stdout.write(CLI_USAGE);
      return;
    }
    jobs = planJobs(args.inputs, args.out, OUTPUT_FORMATS[args.thumbnail.format].extension);
  } catch (error) {
    if (error instanceof UsageError) {
      fail(`${error.message}\nRun \`thumbnailer --help\` for usage.`, 2);
    }
    throw error;
  }
  const progress = process.stderr.isTTY ? new ProgressBar(process.stderr, jobs.length) : undefined;
  progress?.draw();
  const summary = await runJobs(jobs, {
    ...args,
    onOutcome: (outcome: JobOutcome) => {
      if (outcome.status === 'failed') {
        progress?.clear();
        console.error(`failed: ${outcome.job.input}: ${outcome.reason}`);
      }
      progress?.tick();
    },
  });
  progress?.clear();
  process.stdout.write(`${summary.made} made, ${summary.skipped} skipped, ${summary.failed} failed\n`);
  process.exitCode = summary.failed === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  fail(error instanceof Error ? error.message : String(error), 1);
});
