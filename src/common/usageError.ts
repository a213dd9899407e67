/** Bad command-line arguments: the commands print the message and their usage hint, and exit with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
