import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { functionUrlResult, requestOf } from '../../aws/events/functionUrlEvent';
import { createOnDemandRenderer, type OnDemandDependencies } from '../processor/onDemand';

/**
 * The function URL entry point (terraform/delivery's on-demand origin): each request CloudFront fails over
 * to it, answered by the on-demand renderer and returned in the function URL's terms. Never throws: a
 * thrown error would reach the viewer as CloudFront's 502.
 */
export function createFunctionUrlHandler(deps: OnDemandDependencies) {
  const render = createOnDemandRenderer(deps);
  return async function handler(
    event: LambdaFunctionURLEvent,
    context?: Context,
  ): Promise<LambdaFunctionURLResult> {
    if (context) {
      deps.logger.addContext(context);
    }
    return functionUrlResult(await render(requestOf(event)));
  };
}
