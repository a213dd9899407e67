import { GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/function/config';
import type { InvokeResult, Invoker } from '../../src/tools/deploy/invoker';
import { createS3EventHandler } from '../../src/function/handlers/s3Event';
import { createObservability } from '../../src/aws/observability';
import { captureOutput } from './captureOutput';

/**
 * Stands in for Lambda running one version of the function, where moto cannot run a container image:
 * reads the version's configuration from the (moto) Lambda API and runs the real handler with it, against
 * the real (moto) S3, answering as Lambda's Invoke does. Images listed in `broken` fail to start, as a
 * build that cannot load its handler does.
 */
export function inProcessInvoker(
  lambda: LambdaClient,
  s3: S3Client,
  broken: ReadonlySet<string> = new Set(),
) {
  const calls: Array<{ qualifier: string; event: unknown }> = [];
  const invoke: Invoker = async (functionName, qualifier, event): Promise<InvokeResult> => {
    calls.push({ qualifier, event });
    const version = await lambda.send(
      new GetFunctionCommand({ FunctionName: functionName, Qualifier: qualifier }),
    );
    if (broken.has(version.Code?.ImageUri ?? '')) {
      return {
        functionError: 'Unhandled',
        payload: JSON.stringify({
          errorType: 'Runtime.ImportModuleError',
          errorMessage: "Error: Cannot find module 'index'",
        }),
        logTail:
          'INIT_REPORT Init Duration: 12.34 ms Phase: init Status: error Error Type: Runtime.ImportModuleError\n',
      };
    }
    const output = captureOutput();
    try {
      const config = loadConfig(version.Configuration?.Environment?.Variables ?? {});
      const handler = createS3EventHandler({ ...createObservability({}), s3, config });
      return { payload: JSON.stringify(await handler(event)), logTail: output.raw.join('\n') };
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      return {
        functionError: 'Unhandled',
        payload: JSON.stringify({ errorType: name, errorMessage: message }),
        logTail: output.raw.join('\n'),
      };
    } finally {
      output.restore();
    }
  };
  return { invoke, calls };
}
