import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { InvalidationBatch } from '../../core/delivery/invalidationPaths';

/** Sends CloudFront invalidations for one distribution. */
export interface Invalidator {
  /** Creates the batch's invalidation (or finds it already made, by its CallerReference); its ID. */
  invalidate(batch: InvalidationBatch): Promise<string | undefined>;
}

/** An invalidator over the SDK; CloudFront is global, so the client's region matters not. */
export function createCloudFrontInvalidator(
  distributionId: string,
  client: CloudFrontClient = new CloudFrontClient({}),
): Invalidator {
  return {
    async invalidate({ paths, callerReference }) {
      const response = await client.send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: {
            CallerReference: callerReference,
            Paths: { Quantity: paths.length, Items: [...paths] },
          },
        }),
      );
      return response.Invalidation?.Id;
    },
  };
}
