import { exactBytes, exactCount } from '../../src/common/text';

describe('exactCount', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [999, '999'],
    [1000, '1,000'],
    [100_000_000, '100,000,000'],
    [100_010_000, '100,010,000'],
    [4_294_836_225, '4,294,836,225'],
    [1234.5, '1,234.5'],
  ])('%d is %s', (value, text) => {
    expect(exactCount(value)).toBe(text);
  });

  it('names bytes in the singular only for one', () => {
    expect([exactBytes(0), exactBytes(1), exactBytes(52_428_801)]).toEqual([
      '0 bytes',
      '1 byte',
      '52,428,801 bytes',
    ]);
  });
});
