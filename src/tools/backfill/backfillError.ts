/** A backfill that stopped for a reason the operator can act on: what happened, and what to do next. */
export class BackfillError extends Error {
  override readonly name: string = 'BackfillError';

  constructor(
    message: string,
    readonly hint?: string,
    /** 1: the run failed; 2: it could not start (a setup problem), nothing ran. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}
