import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { FunctionHeaders, ViewerRequest } from './viewerFunction';

/**
 * What the distribution's response headers policy adds to every answer: AWS's managed
 * CORS-and-SecurityHeadersPolicy (terraform/delivery's default), as AWS documents it. The security
 * headers go on every answer; `Access-Control-Allow-Origin: *` on answers to CORS requests (those with an
 * `Origin`), as the policy's SimpleCORS half does. No `Vary`: the format is in the path, so no answer
 * depends on a request header.
 */
export function policyHeaders(request: IncomingMessage): OutgoingHttpHeaders {
  const cors = request.headers.origin === undefined ? {} : { 'access-control-allow-origin': '*' };
  return {
    'strict-transport-security': 'max-age=31536000',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'x-xss-protection': '1; mode=block',
    'referrer-policy': 'strict-origin-when-cross-origin',
    ...cors,
  };
}

/** The request as CloudFront hands it to a viewer-request function: lower-case names, values joined. */
export function viewerRequestOf(request: IncomingMessage, uri: string, query: string): ViewerRequest {
  const headers: FunctionHeaders = {};
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    if (values !== undefined) {
      headers[name] = { value: values.join(',') };
    }
  }
  const querystring: ViewerRequest['querystring'] = {};
  for (const [name, value] of new URLSearchParams(query)) {
    querystring[name] = { value };
  }
  return { method: request.method ?? 'GET', uri, querystring, headers };
}

/** Headers a function (or the renderer) gave, as Node writes them. */
export function functionHeaders(headers: FunctionHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).map(([name, { value }]) => [name, value]));
}
