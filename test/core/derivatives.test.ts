import { compareSequencers, derivativeKeys, normalizeSequencer } from '../../src/core/derivatives';
import { thumbnailKey } from '../../src/core/thumbnailKey';

describe('derivativeKeys', () => {
  it('lists the thumbnail in every format, then what a manifest lists, each once', () => {
    expect(derivativeKeys('a/cat.png', 't/', ['t/a/cat.png.jpg', 't/x/a/cat.png.webp'])).toEqual([
      't/a/cat.png.jpg',
      't/a/cat.png.webp',
      't/a/cat.png.avif',
      't/x/a/cat.png.webp',
    ]);
  });

  it('uses the shortened key for sources near the key limit', () => {
    const long = 'k'.repeat(1020);
    expect(derivativeKeys(long, '')[0]).toBe(thumbnailKey(long, '', 'jpg'));
    expect(Buffer.byteLength(derivativeKeys(long, '')[0] ?? '')).toBeLessThanOrEqual(1024);
  });
});

describe('sequencers', () => {
  it('orders S3 sequencers of different lengths by right-padding the shorter with zeros', () => {
    expect(compareSequencers('0055AED6DCD90281E5', '0055AED6DCD90281E6')).toBeLessThan(0);
    expect(compareSequencers('0055AED6DCD90281E5', '0055AED6DCD90281E5')).toBe(0);
    expect(compareSequencers('0055AED6DCD902', '0055AED6DCD90281E5')).toBeLessThan(0);
    expect(compareSequencers('0055aed6dcd90281e6', '0055AED6DCD90281E5')).toBeGreaterThan(0);
  });

  it('puts a missing or malformed sequencer before every real one', () => {
    expect(compareSequencers(undefined, '00')).toBe(0);
    expect(compareSequencers(undefined, '01')).toBeLessThan(0);
    expect(normalizeSequencer('not hex')).toBe('0'.repeat(32));
    expect(normalizeSequencer('ab')).toBe(`AB${'0'.repeat(30)}`);
  });
});
