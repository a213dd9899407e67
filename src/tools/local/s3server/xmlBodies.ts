import type { Readable } from 'node:stream';
import { s3Error } from './s3rverInternals';

/**
 * The small XML request bodies S3 takes (DeleteObjects, CompleteMultipartUpload), read with bounds and
 * without evaluating anything. s3rver parsed them with numbers turned into numbers: `<Key>007</Key>`
 * deleted the key `7`, and a part's all-digit ETag, or a missing one, failed the request with a 500.
 */

const malformedXml = () =>
  s3Error(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema.',
  );

/** Reads a body of at most `maxBytes` (the rest is read and dropped, so the connection stays usable). */
export async function readXmlBody(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total <= maxBytes) {
      chunks.push(chunk as Buffer);
    }
  }
  if (total > maxBytes) {
    throw s3Error('MaxMessageLengthExceeded', 'Your request was too big.');
  }
  return Buffer.concat(chunks).toString('utf8');
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntity(entity: string): string {
  const named = ENTITIES[entity];
  const code = /^#x[0-9a-f]+$/i.test(entity)
    ? Number.parseInt(entity.slice(2), 16)
    : /^#\d+$/.test(entity)
      ? Number(entity.slice(1))
      : undefined;
  if (named !== undefined) {
    return named;
  }
  if (code === undefined || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
    throw malformedXml();
  }
  return String.fromCodePoint(code);
}

/** The text of an element's content: entities and CDATA decoded; markup inside is malformed here. */
export function xmlText(content: string): string {
  return content
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((piece) => {
      if (piece.startsWith('<![CDATA[')) {
        return piece.slice('<![CDATA['.length, -']]>'.length);
      }
      if (piece.includes('<')) {
        throw malformedXml();
      }
      return piece.replace(/&([^;&]*);/g, (_match, entity: string) => decodeEntity(entity));
    })
    .join('');
}

/** The content of every `<name>` element (attributes allowed, `<name/>` empty) in `xml`, in order. */
export function xmlElements(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}\\s*>)`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? '');
}

/** The one `<name>` element a body must consist of. */
export function xmlRoot(xml: string, name: string): string {
  const [root, ...others] = xmlElements(xml, name);
  if (root === undefined || others.length > 0) {
    throw malformedXml();
  }
  return root;
}

/** The text of the one `<name>` child `element` must have. */
export function xmlChildText(element: string, name: string): string {
  const [child, ...others] = xmlElements(element, name);
  if (child === undefined || others.length > 0) {
    throw malformedXml();
  }
  return xmlText(child);
}

export { malformedXml };

/** Escapes text for an XML element's content. */
export const escapeXml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (char) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[char] ?? ''};`,
  );
