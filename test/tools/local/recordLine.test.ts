import { printable } from '../../../src/common/text';
import { recordLine } from '../../../src/tools/local/recordLine';

describe('recordLine', () => {
  it.each([
    ['photos/cat.jpg', 'photos/cat.jpg'],
    ['naïve café 東京 🐱.jpg', 'naïve café 東京 🐱.jpg'],
    ['tab\there', 'tab\\there'],
    ['forged\nmade     uploads/evil.jpg', 'forged\\nmade     uploads/evil.jpg'],
    ['carriage\rreturn', 'carriage\\rreturn'],
    ['\u001b[2Jcleared', '\\u001b[2Jcleared'],
    ['bell\u0007', 'bell\\u0007'],
    ['c1\u009bcontrol', 'c1\\u009bcontrol'],
    ['gnp.\u202Eexe', 'gnp.\\u202eexe'],
    ['line\u2028separator', 'line\\u2028separator'],
  ])('prints %j as %j', (key, shown) => {
    expect(printable(key)).toBe(shown);
  });

  it('escapes both keys of a made line and keeps it on one line', () => {
    const line = recordLine(
      {
        key: 'a\nb.jpg',
        status: 'made',
        durationMs: 12,
        outputKey: 'a\nb.jpg.jpg',
        input: { format: 'jpeg', width: 1024, height: 768, bytes: 90_000 },
        output: { bytes: 2048, width: 256, height: 192, format: 'jpeg' },
      },
      'uploads',
      'thumbnails',
    );
    expect(line).toBe('made     uploads/a\\nb.jpg -> thumbnails/a\\nb.jpg.jpg (256x192, 2.0 KB, 12 ms)');
  });

  it('names the reason and the detail of a refusal', () => {
    const line = recordLine(
      { key: 'x.jpg', status: 'rejected', durationMs: 1, reason: 'not-an-image', detail: 'not an image' },
      'uploads',
      'thumbnails',
    );
    expect(line).toBe('rejected uploads/x.jpg: not-an-image: not an image');
  });
});
