/**
 * The HTTP status S3 answered a failed call with, or undefined when no answer came (connection reset,
 * timeout, DNS). Callers treat only the statuses they name as final; everything else is retried.
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) {
    return undefined;
  }
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
