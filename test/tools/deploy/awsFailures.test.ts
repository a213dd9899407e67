import { ECRClient } from '@aws-sdk/client-ecr';
import {
  GetAliasCommand,
  GetFunctionCommand,
  type GetFunctionCommandOutput,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  LambdaServiceException,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { deploy } from '../../../src/tools/deploy/deploy';
import { DeployError } from '../../../src/tools/deploy/deployError';
import { parseImageUri } from '../../../src/tools/deploy/imageUri';
import { lambdaInvoker } from '../../../src/tools/deploy/invoker';
import { rollback } from '../../../src/tools/deploy/rollback';

// Answers no emulator gives on demand, so aws-sdk-client-mock stands in for Lambda here: an IAM denial,
// an alias moved by someone else since it was read (moto ignores UpdateAlias's RevisionId), and what
// Lambda's Invoke returns for a crash.

const image = (digit: string) => {
  const parsed = parseImageUri(
    `123456789012.dkr.ecr.us-east-1.amazonaws.com/thumbs@sha256:${digit.repeat(64)}`,
  );
  if (parsed === undefined) {
    throw new Error('bad test image');
  }
  return parsed;
};
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:thumbs';

const lambdaError = (name: string, message: string, httpStatusCode: number) =>
  new LambdaServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode } });

describe('deploy and rollback when AWS says no', () => {
  const lambda = new LambdaClient({ region: 'us-east-1' });
  const ecr = new ECRClient({ region: 'us-east-1' });
  const lambdaMock = mockClient(lambda);
  const ecrMock = mockClient(ecr);
  const rollbackArgs = { action: 'rollback', functionName: 'thumbs', dryRun: false } as const;
  const deployArgs = { action: 'deploy', functionName: 'thumbs', dryRun: false, smokeTest: true } as const;
  const dependencies = () => ({
    ...{ lambda, ecr, s3: new S3Client({ region: 'us-east-1' }), invoke: lambdaInvoker(lambda) },
    ...{ readCanaryImage: () => Promise.resolve(Buffer.alloc(0)), report: () => undefined },
  });

  beforeEach(() => {
    lambdaMock.reset();
    ecrMock.reset();
    ecrMock.onAnyCommand().resolves({ imageDetails: [{ imagePushedAt: new Date(0) }] });
  });

  it('names the permission a denied deploy lacks, and the role that has it', async () => {
    const denied =
      'User: arn:aws:sts::123456789012:assumed-role/ci/gh is not authorized to perform: lambda:GetFunction';
    lambdaMock.on(GetFunctionCommand).rejects(lambdaError('AccessDeniedException', denied, 403));

    const failure = deploy(dependencies(), { ...deployArgs, image: image('a') });

    await expect(failure).rejects.toThrow(DeployError);
    await expect(failure).rejects.toMatchObject({
      message: expect.stringMatching(
        /^reading function thumbs: access denied \(AccessDeniedException: User: .* is not authorized/,
      ),
      hint: expect.stringMatching(/need lambda:GetFunction on thumbs; the deploy role .*github_oidc\.tf/),
    });
  });

  it('says the same for a rollback', async () => {
    lambdaMock.on(GetFunctionCommand).rejects(lambdaError('AccessDeniedException', 'not authorized', 403));
    await expect(rollback({ lambda, report: () => undefined }, rollbackArgs)).rejects.toMatchObject({
      message: 'reading function thumbs: access denied (AccessDeniedException: not authorized)',
    });
  });

  it('moves an alias only from the revision it read, and says so when someone moved it since', async () => {
    const version = (number: string) => ({
      Configuration: { PackageType: 'Image', Version: number, FunctionArn: FUNCTION_ARN },
      Code: { ImageUri: image('a').uri },
    });
    lambdaMock
      .on(GetFunctionCommand)
      .callsFake((input: { Qualifier?: string }) => version(input.Qualifier ?? '$LATEST'));
    lambdaMock
      .on(GetAliasCommand, { Name: 'live' })
      .resolves({ FunctionVersion: '3', RevisionId: 'live-r1' });
    lambdaMock
      .on(GetAliasCommand, { Name: 'previous' })
      .resolves({ FunctionVersion: '2', RevisionId: 'prev-r1' });
    lambdaMock
      .on(UpdateAliasCommand)
      .rejects(
        lambdaError(
          'PreconditionFailedException',
          'The Revision Id provided does not match the latest Revision Id.',
          412,
        ),
      );

    const failure = rollback({ lambda, report: () => undefined }, rollbackArgs);

    await expect(failure).rejects.toMatchObject({
      message: expect.stringMatching(
        /^moving alias thumbs:live to version 2: it changed since it was read \(PreconditionFailedException/,
      ),
      hint: expect.stringContaining('another deploy, rollback or terraform apply ran at the same time'),
    });
    expect(lambdaMock.commandCalls(UpdateAliasCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'thumbs', Name: 'live', FunctionVersion: '2', RevisionId: 'live-r1' },
    ]);
  });

  it('stops before the smoke test when the version it published runs an image someone else put there', async () => {
    const version = (number: string, imageUri: string): GetFunctionCommandOutput => ({
      Configuration: {
        PackageType: 'Image',
        Version: number,
        State: 'Active',
        LastUpdateStatus: 'Successful',
      },
      Code: { ImageUri: imageUri },
      $metadata: {},
    });
    lambdaMock.on(GetFunctionCommand).resolves(version('$LATEST', image('c').uri));
    lambdaMock.on(GetFunctionCommand, { Qualifier: '4' }).resolves(version('4', image('c').uri));
    lambdaMock.on(GetFunctionCommand, { Qualifier: '5' }).resolves(version('5', image('e').uri));
    lambdaMock.on(GetAliasCommand).resolves({ FunctionVersion: '4' });
    lambdaMock.on(PublishVersionCommand).resolves({ Version: '5' });
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ State: 'Active' });
    const invoke = jest.fn();

    const failure = deploy({ ...dependencies(), invoke }, { ...deployArgs, image: image('a') });

    await expect(failure).rejects.toMatchObject({
      message: expect.stringMatching(
        /^version 5 runs \S+e{64}, not \S+a{64}: someone changed the function's code/,
      ),
    });
    expect(lambdaMock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(1);
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
    expect(invoke).not.toHaveBeenCalled();
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
