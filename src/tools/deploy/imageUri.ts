/** An ECR image named by digest, the only form a deploy accepts: a tag could move under us. */
export interface ImageUri {
  readonly uri: string;
  /** The registry's account and region, from its host name. */
  readonly accountId: string;
  readonly region: string;
  readonly repository: string;
  /** `sha256:<64 hex digits>`. */
  readonly digest: string;
}

const IMAGE_BY_DIGEST =
  /^(?<accountId>[0-9]{12})\.dkr\.ecr\.(?<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(?<repository>[a-z0-9._/-]+)@(?<digest>sha256:[0-9a-f]{64})$/;

export function parseImageUri(uri: string): ImageUri | undefined {
  const { accountId, region, repository, digest } = IMAGE_BY_DIGEST.exec(uri)?.groups ?? {};
  if (!accountId || !region || !repository || !digest) {
    return undefined;
  }
  return { uri, accountId, region, repository, digest };
}

/** The short form people recognise in logs: `sha256:0123456789ab`. */
export const shortDigest = (imageUri: string | undefined): string =>
  /sha256:[0-9a-f]{12}/.exec(imageUri ?? '')?.[0] ?? imageUri ?? '?';
