'use strict';
/**
 * A local ESLint plugin holding one rule, `max-lines-per-test-function`: ESLint's own max-lines-per-function,
 * made to read a Jest file. Every test (`it`, `test`, their `.each`, `.only`, `.skip` forms), every hook
 * (`beforeAll`, `beforeEach`, `afterAll`, `afterEach`) and every helper function is held to `max` lines,
 * blank lines and comments not counted; suite bodies (`describe`, `describe.each`, and the wrappers named
 * `describe...`, such as describeTier) are exempt, since a suite is only a list of short tests.
 *
 * It lives here rather than in a package because it is a house rule of this repository, not a dependency.
 */

const HOOKS = new Set(['beforeAll', 'beforeEach', 'afterAll', 'afterEach']);
const TESTS = new Set(['it', 'test', 'fit', 'xit', 'xtest']);

/** The identifier a callee is built on: `describe.each(table)` and `(ok ? describe : describe.skip)` are `describe`. */
function calleeRoot(node) {
  switch (node.type) {
    case 'Identifier':
      return node.name;
    case 'MemberExpression':
      return calleeRoot(node.object);
    case 'CallExpression':
      return calleeRoot(node.callee);
    case 'TaggedTemplateExpression':
      return calleeRoot(node.tag);
    case 'ConditionalExpression':
      return calleeRoot(node.consequent);
    case 'ChainExpression':
    case 'TSNonNullExpression':
    case 'TSAsExpression':
      return calleeRoot(node.expression);
    default:
      return undefined;
  }
}

/** What a function is to Jest: 'suite', 'test', 'hook' (each with the callee's name), or a plain 'function'. */
function roleOf(fn) {
  const call = fn.parent;
  if (call?.type !== 'CallExpression' || !call.arguments.includes(fn)) return { role: 'function' };
  const root = calleeRoot(call.callee) ?? '';
  if (/^[fx]?describe/u.test(root)) return { role: 'suite' };
  if (TESTS.has(root)) return { role: 'test', title: titleOf(call.arguments[0]) };
  if (HOOKS.has(root)) return { role: 'hook', title: root };
  return { role: 'function' };
}

function titleOf(node) {
  if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node?.type === 'TemplateLiteral') return node.quasis.map((quasi) => quasi.value.cooked).join('${}');
  return '(untitled)';
}

/** True when `lineNumber` holds nothing but (part of) the comment. */
function isCommentOnly(line, lineNumber, comment) {
  const { start, end } = comment.loc;
  const startsBefore =
    start.line < lineNumber || (start.line === lineNumber && !line.slice(0, start.column).trim());
  const endsAfter = end.line > lineNumber || (end.line === lineNumber && !line.slice(end.column).trim());
  return startsBefore && endsAfter;
}

/** A method's or accessor's extent is its whole definition, as max-lines-per-function counts it. */
function extentOf(fn) {
  const parent = fn.parent;
  const embedded =
    parent?.value === fn &&
    (parent.type === 'MethodDefinition' ||
      (parent.type === 'Property' && (parent.method || parent.kind === 'get' || parent.kind === 'set')));
  return embedded ? parent : fn;
}

function nameOf(fn) {
  const name = fn.id?.name ?? fn.parent?.key?.name ?? fn.parent?.id?.name;
  return name === undefined ? 'An anonymous function' : `Function '${name}'`;
}

const rule = {
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Limit the length of tests, hooks and helpers in test files; suite bodies are exempt',
    },
    schema: [
      {
        type: 'object',
        properties: { max: { type: 'integer', minimum: 1 } },
        additionalProperties: false,
      },
    ],
    messages: {
      test: "Test '{{title}}' has {{count}} lines (at most {{max}}, blank lines and comments not counted): split it into focused tests, or move its setup into test/support.",
      hook: '{{title}} callback has {{count}} lines (at most {{max}}): move its setup into test/support.',
      function: '{{name}} has {{count}} lines (at most {{max}}): split it.',
    },
  },
  create(context) {
    const max = context.options[0]?.max ?? 50;
    const sourceCode = context.sourceCode;
    const lines = sourceCode.lines;
    const commentOnLine = new Map();
    for (const comment of sourceCode.getAllComments()) {
      for (let line = comment.loc.start.line; line <= comment.loc.end.line; line++)
        commentOnLine.set(line, comment);
    }

    function countLines(node) {
      let count = 0;
      for (let lineNumber = node.loc.start.line; lineNumber <= node.loc.end.line; lineNumber++) {
        const line = lines[lineNumber - 1];
        const comment = commentOnLine.get(lineNumber);
        if (comment && isCommentOnly(line, lineNumber, comment)) continue;
        if (/^\s*$/u.test(line)) continue;
        count++;
      }
      return count;
    }

    function check(fn) {
      const { role, title } = roleOf(fn);
      if (role === 'suite') return;
      const node = extentOf(fn);
      const count = countLines(node);
      if (count <= max) return;
      const data = { title, name: nameOf(fn), count, max };
      context.report({ node, messageId: role, data });
    }

    return { FunctionDeclaration: check, FunctionExpression: check, ArrowFunctionExpression: check };
  },
};

module.exports = {
  meta: { name: 'thumbnailer-local' },
  rules: { 'max-lines-per-test-function': rule },
};
