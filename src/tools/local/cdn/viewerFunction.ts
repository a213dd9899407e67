import { readFile } from 'node:fs/promises';
import { runInNewContext } from 'node:vm';
import { type DeliveryTable, withDeliveryTable } from '../../../core/delivery/deliveryTable';

/** A header as CloudFront Functions see it: lower-case name -> `{ value }`. */
export type FunctionHeaders = Record<string, { value: string }>;

/** The part of a CloudFront Functions viewer-request event the function reads and writes. */
export interface ViewerRequest {
  method: string;
  uri: string;
  querystring: Record<string, { value: string }>;
  headers: FunctionHeaders;
}

/** What the function answers with itself, instead of forwarding the request. */
export interface ViewerResponse {
  statusCode: number;
  statusDescription: string;
  headers: FunctionHeaders;
}

export type ViewerFunction = (request: ViewerRequest) => ViewerRequest | ViewerResponse;

export const isViewerResponse = (result: ViewerRequest | ViewerResponse): result is ViewerResponse =>
  'statusCode' in result;

/**
 * The viewer-request function's own file, with `table` put in as Terraform does, run in a context of its
 * own that has only JavaScript's built-ins (no `require`, `process` or timers: CloudFront's has none).
 */
export function viewerFunctionFrom(code: string, table: DeliveryTable): ViewerFunction {
  const context: { handler?: unknown } = {};
  runInNewContext(withDeliveryTable(code, table), context, { filename: 'viewer-request.js' });
  const { handler } = context;
  if (typeof handler !== 'function') {
    throw new Error('viewer-request.js defines no handler function');
  }
  return (request) =>
    (handler as (event: unknown) => ViewerRequest | ViewerResponse)({ version: '1.0', request });
}

export async function loadViewerFunction(path: string, table: DeliveryTable): Promise<ViewerFunction> {
  return viewerFunctionFrom(await readFile(path, 'utf8'), table);
}
