import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { REPORT_PREFIX } from '../locations';
import { Tally } from '../tally';

/** One CSV record's fields (RFC 4180: quoted fields may hold commas and doubled quotes). */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  const pattern = /"((?:[^"]|"")*)"(?:,|$)|([^,]*)(?:,|$)/y;
  while (pattern.lastIndex < line.length) {
    const match = pattern.exec(line);
    if (match === null) {
      break;
    }
    fields.push(match[1] !== undefined ? match[1].replace(/""/g, '"') : (match[2] ?? '').replace(/\r$/, ''));
  }
  return line.endsWith(',') ? [...fields, ''] : fields;
}

/** Where Batch Operations writes a job's completion report, in the bucket the report names. */
export const reportManifestKey = (jobId: string) => `${REPORT_PREFIX}/job-${jobId}/manifest.json`;

async function text(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

/**
 * The failed tasks of a job's completion report, counted by outcome and reason: each row's last field
 * is the result string the function answered (or Batch Operations' own error when the invoke failed).
 */
export async function readCompletionReport(s3: S3Client, bucket: string, jobId: string): Promise<Tally> {
  const manifest = JSON.parse(await text(s3, bucket, reportManifestKey(jobId))) as {
    Results?: Array<{ Key?: string }>;
  };
  const tally = new Tally();
  for (const result of manifest.Results ?? []) {
    if (result.Key === undefined) {
      continue;
    }
    for (const line of (await text(s3, bucket, result.Key)).split('\n')) {
      const fields = csvFields(line);
      if (fields.length >= 7) {
        tally.add(fields.at(-1) ?? '');
      }
    }
  }
  return tally;
}
