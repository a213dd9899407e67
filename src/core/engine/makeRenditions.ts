import { type Box, type Decoded, decodeOnce, PLACEHOLDER_BOX } from './decodeOnce';
import { encodeRendition, type RenditionOutput } from './encodeRendition';
import { decodeHeic } from './heic/decodeHeic';
import { checkPixels, checkSize, type InputInfo, readHeader, requireSupportedFormat } from './inputHeader';
import {
  checkDecodeCost,
  checkHeaderCost,
  DEFAULT_INPUT_POLICY,
  type InputCost,
  type InputPolicy,
  scanInputCost,
} from './inputLimits';
import { makePlaceholders, type Placeholders } from './placeholders';
import { renditionSources } from './renditionSources';
import type { Rendition } from '../renditions';
import type { SupportedFormat } from './sniffFormat';

export type { RenditionOutput } from './encodeRendition';
export type { Placeholders } from './placeholders';

/** Everything made from one input: what it was, each rendition in each of its formats, and placeholders. */
export interface Renditions {
  readonly input: InputInfo;
  /** In the order of the renditions, and of each one's formats. */
  readonly outputs: readonly RenditionOutput[];
  readonly placeholders: Placeholders;
}

/**
 * What libvips will read: the input itself, or, for a HEIC, the pixels libheif decoded from it (checked
 * against the pixel and memory limits before, from the sizes the container declares).
 */
async function decodableOf(input: Buffer, format: SupportedFormat, cost: InputCost, policy: InputPolicy) {
  if (format !== 'heic') {
    return input;
  }
  checkPixels(cost.facts.declared ?? { width: 0, height: 0 }, policy.maxInputPixels);
  checkDecodeCost(cost, policy);
  return decodeHeic(input, policy.maxInputPixels);
}

/**
 * The checks and the one decode of {@link makeRenditions}: the input's facts, and its pixels at the
 * smallest size that serves the largest rendition and the placeholders.
 */
export async function decodeForRenditions(
  input: Buffer,
  renditions: readonly Rendition[],
  policy: InputPolicy = DEFAULT_INPUT_POLICY,
): Promise<{ readonly input: InputInfo; readonly decoded: Decoded }> {
  checkSize(input, policy.maxInputBytes);
  const format = requireSupportedFormat(input, policy.heic);
  const cost = scanInputCost(input, format, policy);
  checkHeaderCost(cost, policy);
  const decodable = await decodableOf(input, format, cost, policy);
  const header = await readHeader(decodable, { format, bytes: input.length }, policy);
  if (format !== 'heic') {
    checkDecodeCost(cost, policy);
  }
  const boxes: Box[] = [...renditions, PLACEHOLDER_BOX];
  return { input: header.info, decoded: await decodeOnce(decodable, header, boxes, policy) };
}

/**
 * Makes every rendition of `input` in every format it names, and the placeholders, from one decode at
 * the smallest size that serves the largest of them, resized once per rendition (smaller ones from
 * larger: renditionSources.ts); the encodes then run side by side on libuv's threads. Throws an
 * {@link ImageRejectedError} saying why the input can never be made into renditions.
 * Pure: no I/O, and the same input and renditions always give the same bytes.
 */
export async function makeRenditions(
  input: Buffer,
  renditions: readonly Rendition[],
  policy: InputPolicy = DEFAULT_INPUT_POLICY,
): Promise<Renditions> {
  const { input: info, decoded } = await decodeForRenditions(input, renditions, policy);
  const sources = await renditionSources(decoded, renditions);
  const encodes = renditions.flatMap((rendition, index) =>
    rendition.formats.map(
      (format) => () => encodeRendition(sources.perRendition[index] ?? decoded, rendition, format),
    ),
  );
  const [outputs, placeholders] = await Promise.all([
    inTurn(encodes, ENCODES_AT_ONCE),
    makePlaceholders(sources.placeholder),
  ]);
  return { input: info, outputs, placeholders };
}

/**
 * Encodes run this many at a time. Each holds its own resized copy and encoder state, and each takes one
 * of libuv's four threads, which the S3 client's and a local server's file operations share: 16
 * renditions in 3 formats started at once took 2.2 GB and stalled the local S3 server for minutes.
 */
const ENCODES_AT_ONCE = 2;

/** Runs the tasks at most `limit` at a time; resolves with their results in the tasks' order. */
async function inTurn<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < tasks.length; index = next++) {
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
