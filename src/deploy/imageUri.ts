import * as z from '../validation/zod';

/** An ECR image named by digest, the only form a deploy accepts: a tag could move under us. */
export interface ImageUri {
  readonly uri: string;
  readonly registry: string;
  /** The registry's account and region, from its host name. */
  readonly accountId: string;
  readonly region: string;
  readonly repository: string;
  /** `sha256:<64 hex digits>`. */
  readonly digest: string;
}

const IMAGE_BY_DIGEST =
  /^(?<registry>(?<accountId>[0-9]{12})\.dkr\.ecr\.(?<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?)\/(?<repository>[a-z0-9._/-]+)@(?<digest>sha256:[0-9a-f]{64})$/;

export function parseImageUri(uri: string): ImageUri | undefined {
  const groups = IMAGE_BY_DIGEST.exec(uri)?.groups;
  const { registry, accountId, region, repository, digest } = groups ?? {};
  if (!registry || !accountId || !region || !repository || !digest) {
    return undefined;
  }
  return { uri, registry, accountId, region, repository, digest };
}

export const imageUriSchema = z.pipe(
  z.string(),
  z.transform((uri: string, context) => {
    const image = parseImageUri(uri);
    if (image === undefined) {
      context.issues.push({
        code: 'custom',
        message:
          'must be an ECR image by digest: <account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex digits>',
        input: uri,
      });
      return z.NEVER;
    }
    return image;
  }),
);

/** The short form people recognise in logs: `sha256:0123456789ab`. */
export const shortDigest = (imageUri: string): string => {
  const digest = /sha256:[0-9a-f]{12}/.exec(imageUri)?.[0];
  return digest ?? imageUri;
};
