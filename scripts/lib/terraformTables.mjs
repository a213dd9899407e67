// A Terraform stack's inputs and outputs as Markdown tables, in the style terraform-docs gives the
// terraform-aws-modules READMEs (name, description, type, default, required; sorted by name), read from
// the stack's own .tf files. HCL is parsed by @cdktf/hcl2json (HashiCorp's HCL parser compiled to
// WebAssembly), which keeps every expression's source text: a type reads as it is written, on one line.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { markdownTable } from './generatedSections.mjs';

/** The variable and output blocks of every .tf file in `stackDir`, by name. */
export async function readStack(stackDir) {
  const files = (await readdir(stackDir)).filter((name) => name.endsWith('.tf')).sort();
  const blocks = { variable: {}, output: {} };
  for (const file of files) {
    // The path is the file's name in HCL's messages: `terraform/lambda/outputs.tf:35,12-13: Unclosed ...`.
    const parsed = await parse(join(stackDir, file), await readFile(join(stackDir, file), 'utf8'));
    for (const kind of ['variable', 'output']) {
      for (const [name, [block]] of Object.entries(parsed[kind] ?? {})) {
        blocks[kind][name] = block;
      }
    }
  }
  return blocks;
}

/** hcl2json writes an expression as `${<source text>}`. */
const expressionText = (value) => /^\$\{([\s\S]*)\}$/.exec(value)?.[1] ?? value;

/**
 * An expression on one line, as a code span: a table cell holds one line, and Prettier would collapse a
 * multi-line block's indentation anyway. Lines of an object type become its comma-separated attributes:
 * `object({ width = optional(number), height = optional(number) })`.
 */
function code(text) {
  const lines = text
    .split('\n')
    .map((line) => line.trim().replace(/\s+/g, ' '))
    .filter(Boolean);
  const joined = lines.reduce((line, next) => {
    const separator = /[{([,]$/.test(line) || /^[})\]]/.test(next) ? ' ' : ', ';
    return `${line}${separator}${next}`;
  });
  return `\`${joined}\``;
}

/**
 * A description on one line. Descriptions here use Markdown's code spans (`terraform destroy`), so they
 * are kept; a `<` outside them is escaped, or `<account>` would read as an HTML tag and vanish.
 */
const plain = (text) =>
  (text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .split(/(`[^`]*`)/)
    .map((part, index) => (index % 2 === 1 ? part : part.replaceAll('<', '\\<')))
    .join('');

function inputRow(name, variable) {
  const hasDefault = Object.hasOwn(variable, 'default');
  return [
    `\`${name}\``,
    plain(variable.description),
    code(expressionText(variable.type ?? 'any')),
    hasDefault ? code(JSON.stringify(variable.default)) : 'n/a',
    hasDefault ? 'no' : 'yes',
  ];
}

const byName = (blocks) => Object.entries(blocks).sort(([a], [b]) => (a < b ? -1 : 1));

/** The stack's "Inputs" and "Outputs" tables, as Markdown. */
export async function stackTables(stackDir) {
  const { variable, output } = await readStack(stackDir);
  const inputs = markdownTable(
    [
      ['Name', 'left'],
      ['Description', 'left'],
      ['Type', 'left'],
      ['Default', 'left'],
      ['Required', 'left'],
    ],
    byName(variable).map(([name, block]) => inputRow(name, block)),
  );
  const outputs = markdownTable(
    [
      ['Name', 'left'],
      ['Description', 'left'],
    ],
    byName(output).map(([name, block]) => [`\`${name}\``, plain(block.description)]),
  );
  return `#### Inputs\n\n${inputs}\n\n#### Outputs\n\n${outputs}\n`;
}
