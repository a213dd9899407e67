/** A backfill that stopped for a reason the operator can act on: what happened, and what to do next. */
export class BackfillError extends Error {
  override readonly name: string = 'BackfillError';

  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
