import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { awsCall } from './deployError';
import type { ImageUri } from './imageUri';

/** When the image was pushed; fails with a clear error when the repository does not hold it. */
export async function checkImage(ecr: ECRClient, image: ImageUri): Promise<Date | undefined> {
  const output = await awsCall(
    {
      doing: `looking up ${image.uri}`,
      action: 'ecr:DescribeImages',
      resource: `arn:aws:ecr:${image.region}:${image.accountId}:repository/${image.repository}`,
      missingHint: `push it first: scripts/pushImage.sh builds and pushes the image and prints its URI by digest`,
    },
    () =>
      ecr.send(
        new DescribeImagesCommand({
          registryId: image.accountId,
          repositoryName: image.repository,
          imageIds: [{ imageDigest: image.digest }],
        }),
      ),
  );
  return output.imageDetails?.[0]?.imagePushedAt;
}
