/**
 * Why an input can never become a thumbnail. Each reason is permanent: retrying the same bytes gives the
 * same answer, so callers log it once and move on instead of retrying.
 */
export type RejectionReason =
  | 'empty'
  | 'too-large'
  | 'too-many-pixels'
  | 'too-much-metadata'
  | 'too-many-frames'
  | 'too-much-memory'
  | 'not-an-image'
  | 'unsupported-format'
  | 'corrupt';

export class ImageRejectedError extends Error {
  override readonly name = 'ImageRejectedError';

  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
  }
}

export function isImageRejectedError(error: unknown): error is ImageRejectedError {
  return error instanceof ImageRejectedError;
}
