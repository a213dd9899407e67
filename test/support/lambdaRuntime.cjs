// Loads and invokes a handler the way the AWS Lambda Node.js runtime does, in a fresh process:
// `_HANDLER` is "<module path relative to LAMBDA_TASK_ROOT>.<exported name>"; the module is found by
// trying .js, .mjs and .cjs; .mjs is imported as ESM, the others required. An init failure, a missing
// handler or a thrown error is reported as the runtime reports it: { errorType, errorMessage }.
//
// Usage: LAMBDA_TASK_ROOT=dist/lambda _HANDLER=index.handler node lambdaRuntime.cjs < event.json
// The outcome is the last stdout line, prefixed with RESULT: or ERROR:.
const { existsSync, readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { pathToFileURL } = require('node:url');

function report(kind, value) {
  process.stdout.write(`\n${kind}:${JSON.stringify(value)}\n`);
}

function failure(errorType, error) {
  return { errorType, errorMessage: error instanceof Error ? error.message : String(error) };
}

async function loadHandler(taskRoot, handlerSetting) {
  const dot = handlerSetting.lastIndexOf('.');
  if (dot < 1) {
    throw Object.assign(new Error(`Bad handler ${handlerSetting}`), {
      runtimeType: 'Runtime.MalformedHandlerName',
    });
  }
  const modulePath = resolve(taskRoot, handlerSetting.slice(0, dot));
  const file = ['.js', '.mjs', '.cjs']
    .map((ext) => modulePath + ext)
    .find((candidate) => existsSync(candidate));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}'`), {
      runtimeType: 'Runtime.ImportModuleError',
    });
  }
  let loaded;
  try {
    loaded = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : require(file);
  } catch (error) {
    throw Object.assign(error, { runtimeType: error.name || 'Runtime.UserCodeSyntaxError' });
  }
  const handler = loaded[handlerSetting.slice(dot + 1)];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerSetting} is undefined or not exported`), {
      runtimeType: 'Runtime.HandlerNotFound',
    });
  }
  return handler;
}

async function main() {
  let handler;
  try {
    handler = await loadHandler(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), process.env._HANDLER ?? '');
  } catch (error) {
    report('ERROR', { phase: 'init', ...failure(error.runtimeType ?? 'Runtime.Unknown', error) });
    process.exitCode = 1;
    return;
  }
  const event = JSON.parse(readFileSync(0, 'utf8'));
  const context = { awsRequestId: 'local-request', functionName: 'thumbnailer', memoryLimitInMB: '1024' };
  try {
    report('RESULT', await handler(event, context));
  } catch (error) {
    report('ERROR', { phase: 'invoke', ...failure(error.name ?? 'Error', error) });
    process.exitCode = 1;
  }
}

main();
