import fc from 'fast-check';
import { decodeKeyPath, encodeKeyPath } from '../../../../src/tools/local/s3server/keyPath';

/** More with FUZZ_RUNS=100000 (fast-check picks a new seed each run and prints it on failure). */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

/** Keys as S3 allows them: 1 to 1,024 UTF-8 bytes of any characters, `/`, `.` and `%` made common. */
const s3Key = fc
  .array(
    fc.oneof(
      fc.constantFrom('/', '.', '..', '%', '%2E', '%+/', '%_', '%00', '\0', 'é', '🐱'),
      fc.string({ unit: 'grapheme' }),
    ),
    {
      minLength: 1,
      maxLength: 40,
    },
  )
  .map((parts) => parts.join(''))
  .filter((key) => key.length > 0 && Buffer.byteLength(key) <= 1024);

describe('local S3 key paths', () => {
  it.each<[string, string]>([
    ['photos/cat.jpg', 'photos/cat.jpg'],
    ['../../escape.txt', '%2E%2E/%2E%2E/escape.txt'],
    ['a/./b', 'a/%2E/b'],
    ['a//b', 'a/%_/b'],
    ['folder/', 'folder/'],
    ['100%.jpg', '100%25.jpg'],
    ['nul\0byte', 'nul%00byte'],
    [`${'k'.repeat(250)}.jpg`, `${'k'.repeat(200)}%+/${'k'.repeat(50)}.jpg`],
    // Found by the fuzzer below: a long segment whose last piece is `..`.
    [`${'k'.repeat(200)}../x`, `${'k'.repeat(200)}%+/%2E%2E/x`],
  ])('%j is stored at %j', (key, path) => {
    expect(encodeKeyPath(key)).toBe(path);
    expect(decodeKeyPath(path)).toBe(key);
  });

  it('maps every key to a path inside the bucket, in short names, and back to the same key', () => {
    fc.assert(
      fc.property(s3Key, (key) => {
        const path = encodeKeyPath(key);
        const names = path.split('/');
        expect(decodeKeyPath(path)).toBe(key);
        expect(names.slice(0, -1)).not.toContainEqual(expect.stringMatching(/^(\.|\.\.|)$/));
        expect(['.', '..']).not.toContain(names.at(-1));
        expect(path).not.toContain('\0');
        expect(Math.max(...names.map((name) => Buffer.byteLength(name)))).toBeLessThanOrEqual(202);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
