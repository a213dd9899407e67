import { progressLine } from '../../../src/tools/backfill/progress';

describe("backfill's progress line", () => {
  it('counts refusals apart from failures, in the words the summary uses', () => {
    const line = progressLine({ succeeded: 2961, refused: 50, failed: 0, total: 3011, elapsedMs: 10_000 });
    expect(line).toMatch(/ 3,011\/3,011 {2}succeeded 2,961 {2}refused 50 {2}failed 0 {2}301\.1\/s {2}ETA /);
  });

  it("shows no refused count where none is known (a Batch Operations job's counts)", () => {
    const line = progressLine({ succeeded: 1, failed: 1, total: 4, elapsedMs: 0 });
    expect(line).toMatch(/ 2\/4 {2}succeeded 1 {2}failed 1 {2}-\/s {2}ETA -$/);
  });
});
