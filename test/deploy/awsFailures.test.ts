import { ECRClient } from '@aws-sdk/client-ecr';
import {
  GetFunctionCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  LambdaServiceException,
} from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { deploy } from '../../src/deploy/deploy';
import { DeployError } from '../../src/deploy/deployError';
import { parseImageUri } from '../../src/deploy/imageUri';
import { lambdaInvoker } from '../../src/deploy/invoker';
import { rollback } from '../../src/deploy/rollback';

// Faults no emulator produces on demand: an IAM denial, and what Lambda's Invoke returns for a crash.

const IMAGE = parseImageUri(`123456789012.dkr.ecr.us-east-1.amazonaws.com/thumbs@sha256:${'a'.repeat(64)}`);
const denied = new LambdaServiceException({
  name: 'AccessDeniedException',
  message:
    'User: arn:aws:sts::123456789012:assumed-role/ci/gh is not authorized to perform: lambda:GetFunction on resource: thumbs',
  $fault: 'client',
  $metadata: { httpStatusCode: 403 },
});

describe('deploy and rollback when AWS says no', () => {
  const lambda = new LambdaClient({ region: 'us-east-1' });
  const ecr = new ECRClient({ region: 'us-east-1' });
  const lambdaMock = mockClient(lambda);
  const ecrMock = mockClient(ecr);

  beforeEach(() => {
    lambdaMock.reset();
    ecrMock.reset();
    ecrMock.onAnyCommand().resolves({ imageDetails: [{ imagePushedAt: new Date(0) }] });
    lambdaMock.on(GetFunctionCommand).rejects(denied);
  });

  it('names the permission a denied deploy lacks, and the role that has it', async () => {
    if (!IMAGE) {
      throw new Error('bad test image');
    }
    const failure = deploy(
      {
        lambda,
        ecr,
        s3: new S3Client({ region: 'us-east-1' }),
        invoke: lambdaInvoker(lambda),
        readCanaryImage: () => Promise.resolve(Buffer.alloc(0)),
        report: () => undefined,
      },
      {
        action: 'deploy',
        functionName: 'thumbs',
        alias: 'live',
        dryRun: false,
        image: IMAGE,
        smokeTest: true,
        canaryFile: '',
      },
    );
    await expect(failure).rejects.toThrow(DeployError);
    await expect(failure).rejects.toMatchObject({
      message: expect.stringMatching(
        /^reading function thumbs: access denied \(AccessDeniedException: User: .* is not authorized/,
      ),
      hint: expect.stringMatching(/need lambda:GetFunction on thumbs; the deploy role .*github_oidc\.tf/),
      failure: 'access-denied',
    });
  });

  it('says the same for a rollback', async () => {
    await expect(
      rollback(
        { lambda, report: () => undefined },
        { action: 'rollback', functionName: 'thumbs', alias: 'live', dryRun: false },
      ),
    ).rejects.toMatchObject({ failure: 'access-denied' });
  });
});

describe('lambdaInvoker', () => {
  const lambda = new LambdaClient({ region: 'us-east-1' });
  const lambdaMock = mockClient(lambda);

  beforeEach(() => {
    lambdaMock.reset();
  });

  it('invokes the version synchronously, with its log tail, and decodes the answer', async () => {
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      // What the SDK's deserialiser hands back is a Uint8Array with helper methods the invoker does not use.
      Payload: Buffer.from(
        '{"errorType":"Error","errorMessage":"boom"}',
      ) as unknown as InvokeCommandOutput['Payload'],
      LogResult: Buffer.from('START\nERROR boom\nEND\n').toString('base64'),
    });

    const result = await lambdaInvoker(lambda)('thumbs', '7', { Records: [] });

    expect(result).toEqual({
      functionError: 'Unhandled',
      payload: '{"errorType":"Error","errorMessage":"boom"}',
      logTail: 'START\nERROR boom\nEND\n',
    });
    const input = lambdaMock.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      FunctionName: 'thumbs',
      Qualifier: '7',
      InvocationType: 'RequestResponse',
      LogType: 'Tail',
    });
    expect(JSON.parse(Buffer.from(input?.Payload as Uint8Array).toString())).toEqual({ Records: [] });
  });
});
