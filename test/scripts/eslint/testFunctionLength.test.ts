import { createRequire } from 'node:module';
import { join } from 'node:path';
import { RuleTester, type ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { REPO_ROOT } from '../../support/dockerfile';
import { run } from '../../support/terraform';

// Loaded with Node's own require: the plugin is plain CommonJS for eslint.config.mjs, not a TypeScript module.
const plugin = createRequire(__filename)(
  join(REPO_ROOT, 'scripts', 'eslint', 'testFunctionLength.cjs'),
) as ESLint.Plugin;
const rule = plugin.rules?.['max-lines-per-test-function'];
if (rule === undefined) throw new Error('the plugin has no max-lines-per-test-function rule');

/** `count` lines of code, one statement each. */
const statements = (count: number) =>
  Array.from({ length: count }, (_, i) => `  expect(${i}).toBe(${i});`).join('\n');

/** A callback `lines` long as the rule counts it: its opening line, its statements, its closing line. */
const callback = (opening: string, lines: number, closing = '});') =>
  `${opening}\n${statements(lines - 2)}\n${closing}`;

const ruleTester = new RuleTester({ languageOptions: { parser: tseslint.parser } });

ruleTester.run('max-lines-per-test-function', rule, {
  valid: [
    { name: 'a test of exactly 50 lines', code: callback("it('fits', () => {", 50) },
    {
      name: 'blank lines and comments not counted',
      code: callback("it('fits', () => {", 50).replace(/\n/g, '\n\n  // a comment\n  /* and another */\n'),
    },
    {
      name: 'a suite body of any length',
      code: `describe('suite', () => {\n${Array.from({ length: 30 }, (_, i) => `  it('t${i}', () => {\n  expect(1).toBe(1);\n  });`).join('\n')}\n});`,
    },
    {
      name: 'describe.each, describe.skip and wrappers named describe...',
      code: [
        callback("describe.each([1, 2])('suite %s', () => {", 80),
        callback("describe.skip('suite', () => {", 80),
        callback("describeTier('moto', 'suite', () => {", 80),
        callback("(ready ? describe : describe.skip)('suite', () => {", 80),
      ].join('\n'),
    },
    { name: 'the limit is an option', code: callback("it('fits', () => {", 60), options: [{ max: 60 }] },
  ],
  invalid: [
    {
      name: 'a test of 51 lines',
      code: callback("it('is too long', async () => {", 51),
      errors: [{ messageId: 'test', data: { title: 'is too long', count: 51, max: 50 }, line: 1 }],
    },
    {
      name: 'a long test inside a suite, however long the suite is',
      code: `describe('suite', () => {\n${callback("  test('deep', () => {", 70)}\n});`,
      errors: [{ messageId: 'test', data: { title: 'deep', count: 70, max: 50 }, line: 2 }],
    },
    {
      name: 'it.each and test.each',
      code: [
        callback("it.each([1, 2])('case %s', (n) => {", 55),
        callback("test.each`\n  a\n  ${1}\n`('tagged $a', ({ a }) => {", 55),
      ].join('\n'),
      errors: [
        { messageId: 'test', data: { title: 'case %s', count: 55, max: 50 } },
        { messageId: 'test', data: { title: 'tagged $a', count: 55, max: 50 } },
      ],
    },
    {
      name: 'it.only, it.skip and test.concurrent',
      code: [
        callback("it.only('only', () => {", 51),
        callback("it.skip('skipped', () => {", 51),
        callback("test.concurrent('concurrent', async () => {", 51),
      ].join('\n'),
      errors: [{ messageId: 'test' }, { messageId: 'test' }, { messageId: 'test' }],
    },
    {
      name: 'every hook',
      code: ['beforeAll', 'beforeEach', 'afterAll', 'afterEach']
        .map((hook) => callback(`${hook}(async () => {`, 51))
        .join('\n'),
      errors: ['beforeAll', 'beforeEach', 'afterAll', 'afterEach'].map((title) => ({
        messageId: 'hook' as const,
        data: { title, count: 51, max: 50 },
      })),
    },
    {
      name: 'helpers: declared, assigned, and methods',
      code: [
        callback('function buildFixture() {', 51, '}'),
        callback('const startServer = async () => {', 51, '};'),
        callback('class Harness {\n  run() {', 51, '  }\n}'),
        callback('[1].map(() => {', 51),
      ].join('\n'),
      errors: [
        { messageId: 'function', data: { name: "Function 'buildFixture'", count: 51, max: 50 } },
        { messageId: 'function', data: { name: "Function 'startServer'", count: 51, max: 50 } },
        { messageId: 'function', data: { name: "Function 'run'", count: 51, max: 50 } },
        { messageId: 'function', data: { name: 'An anonymous function', count: 51, max: 50 } },
      ],
    },
  ],
});

describe('the lint configuration (eslint.config.mjs)', () => {
  const configFor = async (file: string) => {
    const eslint = join(REPO_ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
    const result = await run(process.execPath, [eslint, '--print-config', file], REPO_ROOT, process.env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(result.stdout) as { rules: Record<string, unknown> };
  };

  it('holds every test, hook and helper under test/ to 50 lines', async () => {
    const { rules } = await configFor('test/core/thumbnailKey.test.ts');
    expect(rules['local/max-lines-per-test-function']).toEqual([2, { max: 50 }]);
  });

  it('holds every function under src/ to 50 lines, blank lines and comments not counted', async () => {
    const { rules } = await configFor('src/core/thumbnailKey.ts');
    expect(rules['max-lines-per-function']).toEqual([
      2,
      { max: 50, skipBlankLines: true, skipComments: true },
    ]);
  });
});
