/**
 * The alias's description records the version it pointed to before the last move, so that `--rollback`
 * knows where "back" is without guessing from version numbers (a version that failed its smoke test is
 * published but never live, so "the version before" is not "the number before").
 */
const PREVIOUS = /previous version (\d+)/;

export function aliasDescription(previousVersion: string | undefined, imageUri: string | undefined): string {
  const parts = [
    'managed by npm run deploy',
    previousVersion === undefined ? undefined : `previous version ${previousVersion}`,
    imageUri === undefined ? undefined : `image ${imageUri.slice(imageUri.lastIndexOf('@') + 1)}`,
  ];
  // Lambda allows 256 characters.
  return parts
    .filter((part) => part !== undefined)
    .join('; ')
    .slice(0, 256);
}

export function previousVersionIn(description: string): string | undefined {
  return PREVIOUS.exec(description)?.[1];
}
