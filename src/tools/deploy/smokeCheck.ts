import type { Config } from '../../function/config';
import { OUTPUT_FORMATS } from '../../core/engine/thumbnailOptions';
import type { ThumbnailStamp } from '../../aws/s3/thumbnailStamp';
import * as z from '../../common/zod';
import { DeployError } from './deployError';
import type { InvokeResult } from './invoker';

/** The smoke test found the new version wanting: the alias stays where it was. */
export class SmokeTestFailedError extends DeployError {
  override readonly name = 'SmokeTestFailedError';
}

/** The thumbnail the new version says it made of the canary. */
export interface MadeThumbnail {
  readonly outputKey: string;
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
  readonly format: string;
  readonly durationMs: number;
}

const madeSchema = z.object({
  status: z.literal('made'),
  outputKey: z.string(),
  durationMs: z.number(),
  output: z.object({ bytes: z.number(), width: z.number(), height: z.number(), format: z.string() }),
});
const otherSchema = z.object({
  status: z.string(),
  reason: z.optional(z.string()),
  detail: z.optional(z.string()),
});
const responseSchema = z.object({ records: z.array(z.union([madeSchema, otherSchema])) });
const errorSchema = z.object({ errorType: z.optional(z.string()), errorMessage: z.optional(z.string()) });

const LOG_LINES = 8;

function logEnd(logTail: string | undefined): string {
  const lines = (logTail ?? '').trimEnd().split('\n').filter(Boolean).slice(-LOG_LINES);
  return lines.length === 0 ? '' : `\nlast log lines:\n  ${lines.join('\n  ')}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function threw(version: string, result: InvokeResult, payload: unknown): SmokeTestFailedError {
  const error = errorSchema.safeParse(payload);
  const what = error.success
    ? `${error.data.errorType ?? 'Error'}: ${error.data.errorMessage ?? '(no message)'}`
    : result.payload.slice(0, 500);
  return new SmokeTestFailedError(
    `version ${version} failed the smoke test: the function threw (${result.functionError ?? ''}) ${what}${logEnd(result.logTail)}`,
  );
}

function notMade(version: string, record: unknown): SmokeTestFailedError {
  const other = otherSchema.parse(record);
  const reason = other.reason === undefined ? '' : ` (${other.reason})`;
  const detail = other.detail === undefined ? '' : `: ${other.detail}`;
  return new SmokeTestFailedError(
    `version ${version} failed the smoke test: the canary was ${other.status}${reason}${detail}, not made`,
    other.status === 'rejected'
      ? 'if the canary image itself is damaged, delete it from the source bucket: the next deploy uploads a fresh one'
      : undefined,
  );
}

/** The made thumbnail from the version's response, or a {@link SmokeTestFailedError} saying what went wrong. */
export function checkSmokeResponse(version: string, result: InvokeResult): MadeThumbnail {
  const payload = parseJson(result.payload);
  if (result.functionError !== undefined) {
    throw threw(version, result, payload);
  }
  const response = responseSchema.safeParse(payload);
  if (!response.success || response.data.records.length !== 1) {
    throw new SmokeTestFailedError(
      `version ${version} failed the smoke test: it answered ${result.payload.slice(0, 500) || '(nothing)'}, not one record`,
    );
  }
  const [record] = response.data.records;
  const made = madeSchema.safeParse(record);
  if (!made.success) {
    throw notMade(version, record);
  }
  return { outputKey: made.data.outputKey, durationMs: made.data.durationMs, ...made.data.output };
}

/** What S3 holds at the output key, as far as the check needs. */
export interface StoredThumbnail {
  readonly contentLength: number | undefined;
  readonly contentType: string | undefined;
  readonly stamp: ThumbnailStamp | undefined;
}

/** Checks that the stored thumbnail is the one the version reported, made from this canary, within bounds. */
export function checkStoredThumbnail(
  version: string,
  made: MadeThumbnail,
  stored: StoredThumbnail,
  canaryETag: string,
  config: Config,
): void {
  const { width, height, format } = config.thumbnail;
  const checks: readonly (readonly [boolean, string])[] = [
    [
      made.width >= 1 && made.height >= 1 && made.width <= width && made.height <= height,
      `it is ${made.width}x${made.height}, outside the ${width}x${height} box`,
    ],
    [made.format === format, `it is ${made.format}, not ${format}`],
    [
      stored.contentLength === made.bytes,
      `S3 holds ${String(stored.contentLength)} bytes, the function reported ${made.bytes}`,
    ],
    [
      stored.contentType === OUTPUT_FORMATS[format].contentType,
      `its Content-Type is ${String(stored.contentType)}`,
    ],
    [
      stored.stamp?.sourceETag === canaryETag,
      `its stamp names source ETag ${String(stored.stamp?.sourceETag)}, not the canary's ${canaryETag}`,
    ],
  ];
  const problems = checks.filter(([passed]) => !passed).map(([, problem]) => problem);
  if (problems.length > 0) {
    throw new SmokeTestFailedError(
      `version ${version} failed the smoke test: the thumbnail s3://${config.thumbnailBucket}/${made.outputKey} is wrong: ${problems.join('; ')}`,
    );
  }
}
