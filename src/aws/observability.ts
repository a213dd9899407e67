import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Observability } from '../function/processor/reportOutcome';

/**
 * Structured JSON logs and CloudWatch EMF metrics from Powertools for AWS Lambda. Powertools reads its own
 * variables (POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL, POWERTOOLS_METRICS_NAMESPACE,
 * POWERTOOLS_METRICS_DISABLED); the defaults below apply only where those are unset, because an option
 * passed here would override them.
 */
export function createObservability(env: NodeJS.ProcessEnv): Observability {
  const serviceName = env.POWERTOOLS_SERVICE_NAME ? undefined : 'thumbnailer';
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE ? undefined : 'Thumbnailer';
  return { logger: new Logger({ serviceName }), metrics: new Metrics({ serviceName, namespace }) };
}
