import { join } from 'node:path';
import type { LambdaFunctionURLEventWithIAMAuthorizer as SignedEvent } from 'aws-lambda';
import { configuredDeliveryTable } from '../../src/core/delivery/deliveryTable';
import type { Config } from '../../src/function/config';
import {
  isViewerResponse,
  loadViewerFunction,
  type ViewerResponse,
} from '../../src/tools/local/cdn/viewerFunction';
import { REPO_ROOT } from './dockerfile';

const URL_DOMAIN = 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws';

/** What CloudFront's origin request carries without an origin request policy, signed by its OAC. */
const CLOUDFRONT_HEADERS: Record<string, string> = {
  host: URL_DOMAIN,
  'user-agent': 'Amazon CloudFront',
  via: '2.0 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)',
  'x-amz-cf-id': 'q9mVa8Z7bLq1n3Z2u0bJxkqg8S5m6yQ1VvQ6bL1-8lI3j2Q9wq2ZxA==',
  'x-amz-date': '20261202T120000Z',
  'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'x-amz-security-token': 'IQoJb3JpZ2luX2VjE...',
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '443',
  'x-amzn-trace-id': 'Root=1-674da000-0123456789abcdef01234567',
};

/** The request context of a request signed by CloudFront's Origin Access Control (IAM auth). */
function requestContext(method: string, path: string): SignedEvent['requestContext'] {
  return {
    accountId: '123456789012',
    apiId: URL_DOMAIN.split('.')[0] ?? '',
    authorizer: {
      iam: {
        accessKey: 'ASIAEXAMPLE',
        accountId: '123456789012',
        callerId: 'AROAEXAMPLE:OriginAccessSession',
        cognitoIdentity: null,
        principalOrgId: '',
        userArn: 'arn:aws:sts::123456789012:assumed-role/OriginAccessControlRole/OriginAccessSession',
        userId: 'AROAEXAMPLE:OriginAccessSession',
      },
    },
    domainName: URL_DOMAIN,
    domainPrefix: URL_DOMAIN.split('.')[0] ?? '',
    http: {
      method,
      path: decodeURIComponentOrSelf(path),
      protocol: 'HTTP/1.1',
      sourceIp: '130.176.0.1',
      userAgent: 'Amazon CloudFront',
    },
    requestId: 'b8f0e2a4-7c1d-4e5f-9a6b-3c2d1e0f9a8b',
    routeKey: '$default',
    stage: '$default',
    time: '02/Dec/2026:12:00:00 +0000',
    timeEpoch: 1_795_000_000_000,
  };
}

/**
 * A function URL event (payload format 2.0) as a request CloudFront forwards to its on-demand origin
 * arrives: signed by the distribution's Origin Access Control (so the IAM authorizer names CloudFront's
 * service principal), `rawPath` the URI the viewer-request function wrote, percent-encoding kept, no
 * query string (the function drops it), and the headers an origin request without an origin request
 * policy carries.
 */
export function functionUrlEvent({
  method = 'GET',
  path,
  headers = {},
}: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
}): SignedEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { ...CLOUDFRONT_HEADERS, ...headers },
    requestContext: requestContext(method, path),
    isBase64Encoded: false,
  };
}

function decodeURIComponentOrSelf(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The real viewer-request function (terraform/delivery/viewer-request.js) with the table of `config`, as
 * CloudFront runs it: a viewer URL path becomes the URI forwarded to the origins, or the function's own
 * refusal.
 */
export async function viewerFor(config: Config) {
  const viewer = await loadViewerFunction(
    join(REPO_ROOT, 'terraform', 'delivery', 'viewer-request.js'),
    configuredDeliveryTable(config),
  );
  return (url: string, accept = 'image/avif,image/webp,*/*'): string | ViewerResponse => {
    const result = viewer({
      method: 'GET',
      uri: url,
      querystring: {},
      headers: { accept: { value: accept } },
    });
    return isViewerResponse(result) ? result : result.uri;
  };
}
