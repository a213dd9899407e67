import { type OutputFormat } from '../engine/thumbnailOptions';
import { MAX_KEY_BYTES, renditionPrefix } from '../thumbnailKey';

/** What the CDN needs to know of one rendition: where its objects are and in which formats. */
export interface DeliveryRendition {
  readonly name: string;
  /** The prefix of its keys in the thumbnail bucket (`<THUMBNAIL_PREFIX><name>/`, or the bare prefix). */
  readonly keyPrefix: string;
  readonly formats: readonly OutputFormat[];
}

/**
 * The table the viewer-request function (terraform/delivery/viewer-request.js) maps URLs with. The same
 * shape is built in HCL by terraform/delivery from the deployed function's environment; tests hold the
 * two to each other.
 */
export interface DeliveryTable {
  readonly sourcePrefix: string;
  readonly maxKeyBytes: number;
  readonly renditions: Readonly<Record<string, { keyPrefix: string; formats: readonly OutputFormat[] }>>;
}

export function deliveryTable(renditions: readonly DeliveryRendition[], sourcePrefix: string): DeliveryTable {
  return {
    sourcePrefix,
    maxKeyBytes: MAX_KEY_BYTES,
    renditions: Object.fromEntries(
      renditions.map(({ name, keyPrefix, formats }) => [name, { keyPrefix, formats: [...formats] }]),
    ),
  };
}

/**
 * The table of a configuration, as terraform/delivery builds it from the deployed function's environment:
 * each rendition's key prefix (`<THUMBNAIL_PREFIX><name>/`, the bare prefix for the implicit one) and
 * formats. The local CDN uses it.
 */
export function configuredDeliveryTable(config: {
  readonly renditions: readonly { name: string; implicit?: true; formats: readonly OutputFormat[] }[];
  readonly thumbnailPrefix: string;
  readonly sourcePrefix: string;
}): DeliveryTable {
  const renditions = config.renditions.map((rendition) => ({
    name: rendition.name,
    keyPrefix: renditionPrefix(rendition, config.thumbnailPrefix),
    formats: rendition.formats,
  }));
  return deliveryTable(renditions, config.sourcePrefix);
}

/** The token viewer-request.js holds where its table goes, quoted as Prettier writes it. */
export const TABLE_TOKEN = "'__THUMBNAILER_DELIVERY_TABLE__'";

/** The function's code with `table` in place of its token, as Terraform deploys it. */
export function withDeliveryTable(code: string, table: DeliveryTable): string {
  if (!code.includes(TABLE_TOKEN)) {
    throw new Error(`the viewer-request function has no ${TABLE_TOKEN} token to put its table in`);
  }
  // ES 5.1, the runtime's base, ends a string literal at U+2028 and U+2029; JSON does not escape them.
  const json = JSON.stringify(table).replace(
    /[\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16)}`,
  );
  return code.replace(TABLE_TOKEN, () => json);
}
