import sharp from 'sharp';

/**
 * The dimensions of an image this service wrote (a stored thumbnail, read back to describe it in a
 * completion event for a redelivered upload). Only ever called on our own output, so no input limits.
 */
export async function outputDimensions(data: Buffer): Promise<{ width: number; height: number }> {
  const { width, height } = await sharp(data).metadata();
  return { width, height };
}
