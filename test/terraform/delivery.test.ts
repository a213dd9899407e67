import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunningMoto, startMotoServer } from '../support/motoServer';
import { awsCli, terraformWorkspace } from '../support/terraform';
import { describeTier } from '../support/tiers';
import { accountLeftovers, NOTHING_LEFT } from '../support/accountLeftovers';

type Workspace = Awaited<ReturnType<typeof terraformWorkspace>>;

const ACCOUNT = '123456789012'; // moto's default account
const REGION = 'us-east-1';
const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/thumbnailer@sha256:${'a'.repeat(64)}`;
const MINUTES = 60_000;
const SHARED = '-var-file=../shared.tfvars';

/** The distribution without its viewer function, which moto cannot create (see below). */
const MOTO_OVERRIDE = `
resource "aws_cloudfront_function" "viewer_request" {
  count = 0
}

resource "aws_cloudfront_distribution" "this" {
  default_cache_behavior {
    target_origin_id           = var.on_demand ? local.group_origin_id : local.s3_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = false
    cache_policy_id            = var.cache_policy_id
    response_headers_policy_id = var.response_headers_policy_id
  }
}
`;

interface Distribution {
  DistributionConfig: {
    Origins: { Items: Array<{ Id: string; DomainName: string; OriginAccessControlId?: string }> };
    OriginGroups: {
      Quantity: number;
      Items?: Array<{ FailoverCriteria: { StatusCodes: { Items: number[] } } }>;
    };
    DefaultCacheBehavior: Record<string, unknown>;
    HttpVersion: string;
    PriceClass: string;
  };
}

async function outputsOf(workspace: Workspace, stack: 'dependencies' | 'delivery') {
  const outputs = JSON.parse((await workspace.terraform(stack, 'output', '-json')).stdout) as Record<
    string,
    { value: unknown }
  >;
  return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
}

/**
 * The delivery stack against moto, after the other two, as bootstrap.sh runs them: apply, hand the
 * distribution's ARN back to the dependencies stack's bucket policy, destroy. moto keeps no origin's OAC
 * ID (it drops OriginAccessControlId), so the delivery stack never plans clean against it: these tests
 * assert what moto keeps, and the OAC wiring is asserted by the mocked `terraform test` suite instead.
 * moto implements no CloudFront Functions at all (CreateFunction is a 404), so an override file, in the
 * scratch copy only, leaves the viewer function out: that function is tested in Node (test/edge) and its
 * deployment by the mocked suite.
 */
describeTier(
  ['terraform', 'moto', 'awscli'],
  'terraform: the delivery stack applied to moto and destroyed',
  () => {
    let moto: RunningMoto;
    let workspace: Workspace;
    let aws: (...args: string[]) => Promise<unknown>;
    let delivery: Record<string, unknown>;

    beforeAll(async () => {
      moto = await startMotoServer({ tls: true });
      workspace = await terraformWorkspace({
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_CA_BUNDLE: moto.caBundle,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
      });
      aws = (...args) => awsCli(workspace.env, '--endpoint-url', moto.endpoint, ...args);
      await writeFile(join(workspace.stack('delivery'), 'moto_override.tf'), MOTO_OVERRIDE);
      for (const stack of ['dependencies', 'lambda', 'delivery'] as const) {
        await workspace.init(stack);
      }
      const deps = await workspace.terraform('dependencies', 'apply', '-auto-approve', SHARED);
      const lambda = await workspace.terraform(
        'lambda',
        'apply',
        '-auto-approve',
        SHARED,
        `-var=image_uri=${IMAGE}`,
      );
      expect([deps.stderr, lambda.stderr]).toEqual(['', '']);
    }, 10 * MINUTES);

    afterAll(async () => {
      await moto.stop();
    });

    it(
      'applies the delivery stack: a distribution, its viewer function, and the function URL behind it',
      async () => {
        const apply = await workspace.terraform('delivery', 'apply', '-auto-approve', SHARED);
        expect({ code: apply.code, stderr: apply.stderr }).toEqual({ code: 0, stderr: '' });
        delivery = await outputsOf(workspace, 'delivery');
        const id = String(delivery.distribution_id);
        expect(delivery).toMatchObject({
          distribution_arn: `arn:aws:cloudfront::${ACCOUNT}:distribution/${id}`,
          example_url: `https://${String(delivery.domain_name)}/thumbnail/photos/cat.jpg`,
          renditions: {
            sourcePrefix: '',
            maxKeyBytes: 1024,
            renditions: { thumbnail: { keyPrefix: '', formats: ['jpeg'] } },
          },
        });
        const { Distribution } = (await aws('cloudfront', 'get-distribution', '--id', id)) as {
          Distribution: Distribution;
        };
        const config = Distribution.DistributionConfig;
        expect(config.Origins.Items.map((origin) => origin.Id).sort()).toEqual(['on-demand', 'thumbnails']);
        expect(config.OriginGroups.Items?.[0]?.FailoverCriteria.StatusCodes.Items.sort()).toEqual([403, 404]);
        expect(config).toMatchObject({ HttpVersion: 'http2and3', PriceClass: 'PriceClass_100' });
        expect(config.DefaultCacheBehavior).toMatchObject({
          TargetOriginId: 'thumbnails-then-on-demand',
          ViewerProtocolPolicy: 'redirect-to-https',
          Compress: false,
          CachePolicyId: 'b2884449-e4de-46a7-ac36-70bc7f1ddd6d',
        });
      },
      10 * MINUTES,
    );

    it('lets CloudFront, from this distribution alone, call the live alias through its URL', async () => {
      const url = (await aws(
        'lambda',
        'get-function-url-config',
        '--function-name',
        'thumbnailer',
        '--qualifier',
        'live',
      )) as {
        AuthType: string;
      };
      expect(url.AuthType).toBe('AWS_IAM');
      const { Policy } = (await aws(
        'lambda',
        'get-policy',
        '--function-name',
        'thumbnailer',
        '--qualifier',
        'live',
      )) as {
        Policy: string;
      };
      const statements = (JSON.parse(Policy) as { Statement: Array<Record<string, unknown>> }).Statement;
      const fromCloudFront = statements.filter((statement) =>
        String(statement.Sid).startsWith('AllowCloudFront'),
      );
      expect(fromCloudFront.map((statement) => statement.Action).sort()).toEqual([
        'lambda:InvokeFunction',
        'lambda:InvokeFunctionUrl',
      ]);
      for (const statement of fromCloudFront) {
        expect(statement).toMatchObject({
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Condition: { ArnLike: { 'AWS:SourceArn': delivery.distribution_arn } },
        });
      }
    });

    it('hands the distribution back to the bucket policy, which lets it alone read thumbnails', async () => {
      const arn = `-var=delivery_distribution_arn=${String(delivery.distribution_arn)}`;
      const apply = await workspace.terraform('dependencies', 'apply', '-auto-approve', SHARED, arn);
      expect({ code: apply.code, stderr: apply.stderr }).toEqual({ code: 0, stderr: '' });
      const { thumbnail_bucket: bucket } = await outputsOf(workspace, 'dependencies');
      const { Policy } = (await aws('s3api', 'get-bucket-policy', '--bucket', String(bucket))) as {
        Policy: string;
      };
      expect((JSON.parse(Policy) as { Statement: unknown[] }).Statement).toContainEqual({
        Sid: 'ReadThroughDeliveryDistribution',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${String(bucket)}/*`,
        Condition: { StringEquals: { 'AWS:SourceArn': delivery.distribution_arn } },
      });
      const again = await workspace.terraform('dependencies', 'plan', '-detailed-exitcode', SHARED, arn);
      expect({ code: again.code, plan: again.stdout }).toMatchObject({ code: 0 });
    });

    it(
      'destroys all three stacks and leaves nothing behind',
      async () => {
        for (const [stack, ...vars] of [
          ['delivery'],
          ['lambda', `-var=image_uri=${IMAGE}`],
          ['dependencies'],
        ] as const) {
          const destroy = await workspace.terraform(stack, 'destroy', '-auto-approve', SHARED, ...vars);
          expect({ stack, code: destroy.code, stderr: destroy.stderr }).toEqual({
            stack,
            code: 0,
            stderr: '',
          });
        }
        expect(await accountLeftovers(aws)).toEqual(NOTHING_LEFT);
      },
      10 * MINUTES,
    );
  },
);
