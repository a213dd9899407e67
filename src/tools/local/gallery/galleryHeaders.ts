import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * What the gallery sends with every answer. Whatever an uploader stored, nothing the gallery serves may
 * run as a page on its origin: browsers must not sniff a type (`nosniff`), nothing may frame it, and
 * anything that does render as a document runs sandboxed, with no scripts and no network.
 */
const EVERY_ANSWER: OutgoingHttpHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
};

/**
 * The page itself: its own script and styles, images from itself and the local CDN only; no inline code,
 * no other origin, no frames.
 */
export const pagePolicy = (cdnUrl: string): string =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' ${new URL(cdnUrl).origin}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

/** Writes the head of an answer: the headers every answer carries, then the route's own. */
export function writeHead(response: ServerResponse, status: number, headers: OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { ...EVERY_ANSWER, ...headers });
}

/** Why a request is not served: its status, the message it gets, and any header the status calls for. */
export type Refusal = readonly [status: number, message: string, headers?: OutgoingHttpHeaders];

/** A short plain-text answer: every refusal says why. */
export function answer(
  response: ServerResponse,
  status: number,
  message: string,
  headers: OutgoingHttpHeaders = {},
): void {
  writeHead(response, status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  response.end(`${message}\n`);
}

/**
 * DNS rebinding: a page on an attacker's domain can re-point that domain at 127.0.0.1 and then read this
 * gallery as its own origin. The browser still sends the attacker's name as Host, so only requests naming
 * exactly the address the gallery printed are served.
 */
export function hostIsOurs(request: IncomingMessage, host: string): boolean {
  const named = request.headersDistinct.host;
  return named?.length === 1 && named[0] === host;
}
