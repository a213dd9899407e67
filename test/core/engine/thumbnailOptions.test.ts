import {
  DEFAULT_THUMBNAIL_OPTIONS,
  settingsFingerprint,
  thumbnailOptionsSchema,
} from '../../../src/core/engine/thumbnailOptions';

describe('thumbnail options', () => {
  it('defaults to a JPEG that fits inside 256x256, as the seed tutorial does', () => {
    expect(DEFAULT_THUMBNAIL_OPTIONS).toEqual({
      width: 256,
      height: 256,
      fit: 'inside',
      format: 'jpeg',
      quality: 80,
      background: '#ffffff',
      maxInputBytes: 50 * 1024 * 1024,
      maxInputPixels: 100_000_000,
      failOn: 'warning',
      heic: true,
    });
  });

  it('coerces numeric strings, as flags and environment variables arrive', () => {
    expect(thumbnailOptionsSchema.parse({ width: '128', quality: '90' })).toMatchObject({
      width: 128,
      quality: 90,
    });
  });

  it.each([
    { width: 0 },
    { width: 4097 },
    { width: 1.5 },
    { quality: 101 },
    { fit: 'fill' },
    { format: 'png' },
    { background: 'white' },
    { failOn: 'none' },
    { maxInputBytes: 0 },
  ])('refuses %j', (bad) => {
    expect(thumbnailOptionsSchema.safeParse(bad).success).toBe(false);
  });

  describe('settingsFingerprint', () => {
    const base = settingsFingerprint(DEFAULT_THUMBNAIL_OPTIONS);

    it('is stable and short', () => {
      expect(settingsFingerprint({ ...DEFAULT_THUMBNAIL_OPTIONS })).toBe(base);
      expect(base).toMatch(/^v1-[0-9a-f]{16}$/);
    });

    it.each([
      { width: 128 },
      { height: 128 },
      { fit: 'cover' },
      { format: 'webp' },
      { quality: 81 },
      { background: '#000000' },
    ] as const)('changes with output-shaping setting %j', (change) => {
      expect(settingsFingerprint({ ...DEFAULT_THUMBNAIL_OPTIONS, ...change })).not.toBe(base);
    });

    it.each([
      { maxInputBytes: 1 },
      { maxInputPixels: 1 },
      { failOn: 'error' },
      { background: '#FFFFFF' },
    ] as const)('ignores %j, which cannot change a thumbnail that was made', (change) => {
      expect(settingsFingerprint({ ...DEFAULT_THUMBNAIL_OPTIONS, ...change })).toBe(base);
    });
  });
});
