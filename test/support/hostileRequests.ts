import fc from 'fast-check';

/** Headers whose framing the generator sets itself: a wrong one would leave a server rightly waiting. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'expect', 'connection']);

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);

const method = fc.oneof(
  fc.constantFrom(
    'GET',
    'GET',
    'GET',
    'HEAD',
    'POST',
    'PUT',
    'DELETE',
    'OPTIONS',
    'PATCH',
    'TRACE',
    'CONNECT',
  ),
  token.map((name) => name.toUpperCase()),
);

/** Pieces that have broken URL handling before: bad escapes, dot segments, separators, odd characters. */
const piece = fc.oneof(
  fc.constantFrom(
    '%E0',
    '%',
    '%zz',
    '%00',
    '%2F',
    '%2E%2E',
    '%C0%AF',
    '%F0%9F',
    '..',
    '.',
    '//',
    '?',
    '&',
    '=',
  ),
  fc.constantFrom('bucket=uploads', 'bucket=thumbnails', 'key=', '#', ';', 'é', '😀', '\u202e', '%25', '+'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

const target = fc
  .tuple(
    fc.constantFrom(
      '/',
      '/',
      '/api/items',
      '/api/events',
      '/api/buckets',
      '/gallery.js',
      '/gallery.css',
      '/favicon.ico',
    ),
    fc.constantFrom(
      '/object',
      '/object/',
      '/object/uploads/',
      '/object/thumbnails/',
      '/object?',
      '*',
      '',
      'http://x/',
    ),
    fc.array(piece, { maxLength: 8 }),
    fc.boolean(),
  )
  .map(([route, object, pieces, useObject]) => (useObject ? object : route) + pieces.join(''));

const headerValue = fc.string({ maxLength: 60 }).map((value) => value.replace(/[\r\n]/g, ' '));

const header = fc
  .tuple(
    fc.oneof(
      token,
      fc.constantFrom('Accept', 'Range', 'Cookie', 'Origin', 'Referer', 'Content-Type', 'Upgrade'),
    ),
    headerValue,
  )
  .filter(([name]) => !FRAMING.has(name.toLowerCase()) && name.toLowerCase() !== 'host');

/** The body and the headers that frame it correctly: none, a length, or chunks. */
function framed(body: Uint8Array, framing: 'none' | 'length' | 'chunked'): [string, Buffer] {
  const bytes = Buffer.from(body);
  if (framing === 'none') {
    return ['', Buffer.alloc(0)];
  }
  if (framing === 'length') {
    return [`Content-Length: ${bytes.length}\r\n`, bytes];
  }
  const chunk = bytes.length > 0 ? `${bytes.length.toString(16)}\r\n` : '';
  const chunked = Buffer.concat([
    Buffer.from(chunk),
    bytes,
    Buffer.from(bytes.length > 0 ? '\r\n0\r\n\r\n' : '0\r\n\r\n'),
  ]);
  return ['Transfer-Encoding: chunked\r\n', chunked];
}

/**
 * Whole HTTP/1.x requests, byte for byte: random methods, targets, headers (Host right, wrong, missing or
 * twice) and bodies, each framed so that a server can tell where it ends; plus raw garbage lines.
 */
export function hostileRequests(host: string): fc.Arbitrary<Buffer> {
  const hostHeaders = fc.oneof(
    { weight: 6, arbitrary: fc.constant([`Host: ${host}`]) },
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: headerValue.map((value) => [`Host: ${value}`]) },
    { weight: 1, arbitrary: fc.constant([`Host: ${host}`, 'Host: rebound.example']) },
  );
  const request = fc
    .record({
      method,
      target,
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'http/1.1'),
      hosts: hostHeaders,
      headers: fc.array(header, { maxLength: 6 }),
      body: fc.uint8Array({ maxLength: 3000 }),
      framing: fc.constantFrom('none', 'length', 'chunked'),
    })
    .map(({ method, target, version, hosts, headers, body, framing }) => {
      const [framingHeaders, payload] = framed(body, framing);
      const lines = [
        `${method} ${target} ${version}`,
        ...hosts,
        ...headers.map(([name, value]) => `${name}: ${value}`),
      ];
      return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n${framingHeaders}\r\n`), payload]);
    });
  // Anything at all, ended as a request head is, so that the server has a whole head to refuse.
  const garbage = fc
    .uint8Array({ minLength: 1, maxLength: 300 })
    .map((bytes) => Buffer.concat([Buffer.from(bytes), Buffer.from('\r\n\r\n')]));
  return fc.oneof({ weight: 9, arbitrary: request }, { weight: 1, arbitrary: garbage });
}
