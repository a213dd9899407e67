import type { DeployOutcome } from './deploy';
import type { RollbackOutcome } from './rollback';

const row = (name: string, value: string | undefined) => `| ${name} | ${value ?? '-'} |`;
const code = (value: string | undefined) => (value === undefined ? undefined : `\`${value}\``);

/** A Markdown report of a deploy or rollback, for the GitHub Actions job summary. */
export function deploySummary(
  result: DeployOutcome | RollbackOutcome | { readonly error: Error },
  commit: string | undefined,
): string {
  const lines = ['### thumbnailer deploy', '', '| | |', '| --- | --- |', row('commit', code(commit))];
  if ('error' in result) {
    lines.push(row('result', `**failed**: ${result.error.message.split('\n')[0]}`));
    lines.push('', 'The alias was not moved: traffic stays on the version it served before.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    row('function', code(result.functionName)),
    row('image', code(result.imageUri)),
    row('alias', code(result.alias)),
    row('version', result.version),
    row('previous version', result.previousVersion),
    row('result', result.status),
  );
  if ('smokeTest' in result && result.smokeTest !== undefined) {
    const smoke = result.smokeTest;
    lines.push(
      row(
        'smoke test',
        smoke === 'skipped'
          ? 'skipped'
          : `passed: ${smoke.thumbnail.width}x${smoke.thumbnail.height} ${smoke.thumbnail.format} in ${smoke.thumbnail.durationMs} ms`,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
