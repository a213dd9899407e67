import type { DeployOutcome } from './deploy';
import type { RollbackOutcome } from './rollback';

const row = (name: string, value: string | undefined) => `| ${name} | ${value ?? '-'} |`;
const code = (value: string | undefined) => (value === undefined ? undefined : `\`${value}\``);

function smokeTestRow(result: DeployOutcome | RollbackOutcome): string[] {
  if (!('smokeTest' in result) || result.smokeTest === undefined) {
    return [];
  }
  const smoke = result.smokeTest;
  const { width, height, format, durationMs } = smoke === 'skipped' ? {} : smoke.thumbnail;
  return [
    row(
      'smoke test',
      smoke === 'skipped' ? 'skipped' : `passed: ${width}x${height} ${format} in ${durationMs} ms`,
    ),
  ];
}

/** A Markdown report of a deploy or rollback, for the GitHub Actions job summary. */
export function deploySummary(
  result: DeployOutcome | RollbackOutcome | { readonly error: Error },
  commit: string | undefined,
): string {
  const lines = ['### thumbnailer deploy', '', '| | |', '| --- | --- |', row('commit', code(commit))];
  if ('error' in result) {
    lines.push(row('result', `**failed**: ${result.error.message.split('\n')[0] ?? ''}`));
    lines.push('', 'A failed deploy leaves alias live where it was: traffic stays on the version it served.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    row('function', code(result.functionName)),
    row('image', code(result.imageUri)),
    row('version', result.version),
    row('previous version', result.previousVersion),
    row('result', result.status),
    ...smokeTestRow(result),
  );
  return `${lines.join('\n')}\n`;
}
