import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { awsCall } from './deployError';

/** What a synchronous invocation gave back. */
export interface InvokeResult {
  /** `Unhandled` when the function threw (or failed to start), as Lambda reports it. */
  readonly functionError?: string | undefined;
  /** The handler's JSON response, or Lambda's error object. */
  readonly payload: string;
  /** The end of the invocation's log, when the runtime returned it. */
  readonly logTail?: string | undefined;
}

/** Invokes one version of a function with an event and waits for the answer. */
export type Invoker = (functionName: string, qualifier: string, event: unknown) => Promise<InvokeResult>;

export function lambdaInvoker(lambda: LambdaClient): Invoker {
  return async (functionName, qualifier, event) => {
    const output = await awsCall(
      {
        doing: `invoking ${functionName}:${qualifier}`,
        action: 'lambda:InvokeFunction',
        resource: `${functionName}:${qualifier}`,
      },
      () =>
        lambda.send(
          new InvokeCommand({
            FunctionName: functionName,
            Qualifier: qualifier,
            InvocationType: 'RequestResponse',
            LogType: 'Tail',
            Payload: Buffer.from(JSON.stringify(event)),
          }),
        ),
    );
    return {
      functionError: output.FunctionError,
      payload: Buffer.from(output.Payload ?? new Uint8Array()).toString('utf8'),
      logTail:
        output.LogResult === undefined ? undefined : Buffer.from(output.LogResult, 'base64').toString('utf8'),
    };
  };
}
