import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { decodeS3Key } from '../../../aws/events/parseS3Event';
import { UsageError } from '../../../common/errors';
import type { S3Url } from '../backfillArguments';
import { csvFields } from './completionReport';
import { keyProblem, manifestLine } from './csvManifest';
import type { PinnedFunction } from './jobRequest';

export async function readObject(s3: S3Client, url: S3Url): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: url.bucket, Key: url.key }));
  return Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
}

interface InventoryManifest {
  readonly destinationBucket?: string;
  readonly fileFormat?: string;
  readonly fileSchema?: string;
  readonly files?: ReadonlyArray<{ readonly key?: string }>;
}

/** The columns an inventory's CSV files hold, which must start with Bucket and Key. */
function checkFormat(manifest: InventoryManifest): void {
  const schema = (manifest.fileSchema ?? '').split(',').map((field) => field.trim());
  if (manifest.fileFormat !== 'CSV' || schema[0] !== 'Bucket' || schema[1] !== 'Key') {
    throw new UsageError(
      `--inventory: a CSV inventory whose columns start Bucket, Key is needed (this one is ${manifest.fileFormat ?? '?'}: ${manifest.fileSchema ?? '?'})`,
    );
  }
}

/** Appends the objects of one inventory file the function may be given; returns how many it left out. */
function takeLines(text: string, target: PinnedFunction, into: string[]): number {
  let leftOut = 0;
  for (const raw of text.split('\n').filter((line) => line.trim() !== '')) {
    const [source = '', encoded = ''] = csvFields(raw);
    const key = decodeS3Key(encoded);
    if (source === target.sourceBucket && key !== '' && keyProblem(key, target) === undefined) {
      into.push(manifestLine(source, key));
    } else {
      leftOut += 1;
    }
  }
  return leftOut;
}

/**
 * The objects of an S3 Inventory report (manifest.json and its gzipped CSV files, read with the caller's
 * credentials), as a backfill manifest: objects of the function's source bucket only, those under its
 * source prefix and not thumbnails; the rest are left out and counted. The job then reads only the
 * manifest backfill uploads, so the job role needs no access to the inventory.
 */
export async function readInventory(
  s3: S3Client,
  url: S3Url,
  target: PinnedFunction,
): Promise<{ lines: string[]; leftOut: number }> {
  const manifest = JSON.parse((await readObject(s3, url)).toString('utf8')) as InventoryManifest;
  checkFormat(manifest);
  const bucket = (manifest.destinationBucket ?? '').replace(/^arn:[^:]+:s3:::/, '') || url.bucket;
  const lines: string[] = [];
  let leftOut = 0;
  for (const file of manifest.files ?? []) {
    const text = gunzipSync(await readObject(s3, { bucket, key: file.key ?? '' })).toString('utf8');
    leftOut += takeLines(text, target, lines);
  }
  return { lines, leftOut };
}
