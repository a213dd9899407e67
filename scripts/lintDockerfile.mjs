#!/usr/bin/env node
// Lints Dockerfiles offline with dockerfile-utils (the validator behind VS Code's Docker support; it reads
// ARG-based FROM lines correctly, unlike dockerfilelint). `node scripts/lintDockerfile.mjs [file...]`
// (default: Dockerfile); every finding, warnings included, prints as `file:line:column: message [severity]`
// and makes the exit code 1.
import { readFile } from 'node:fs/promises';
import { validate, ValidationSeverity } from 'dockerfile-utils';

// Every rule at its strictest: a warning is a finding too.
const SETTINGS = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

const files = process.argv.slice(2);
let findings = 0;
for (const file of files.length > 0 ? files : ['Dockerfile']) {
  const content = await readFile(file, 'utf8');
  for (const { range, message, severity } of validate(content, SETTINGS)) {
    findings += 1;
    const kind = severity === 1 ? 'error' : 'warning';
    console.error(`${file}:${range.start.line + 1}:${range.start.character + 1}: ${message} [${kind}]`);
  }
}
process.exit(findings > 0 ? 1 : 0);
