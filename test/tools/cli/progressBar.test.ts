import { progressLine } from '../../../src/tools/cli/progressBar';

/** The bar must fit the terminal: a line that reaches the last column wraps, and redraws pile up. */
describe('progressLine', () => {
  it.each([200, 80, 40, 20, 15, 10, 6, 4, 2, 1])('fits a terminal %i columns wide', (columns) => {
    for (const [done, total] of [
      [0, 12345],
      [6000, 12345],
      [12345, 12345],
    ] as const) {
      expect(progressLine(done, total, columns).length).toBeLessThan(columns);
    }
  });

  it('draws a bar when there is room, and only the counter when there is not', () => {
    expect(progressLine(5, 10, 80)).toBe(`[${'#'.repeat(15)}${' '.repeat(15)}] 5/10`);
    expect(progressLine(5, 10, 15)).toBe('[####   ] 5/10');
    expect(progressLine(5, 10, 10)).toBe('5/10');
    expect(progressLine(500, 1000, 4)).toBe('');
  });
});
