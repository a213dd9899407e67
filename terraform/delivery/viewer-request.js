// CloudFront Function (runtime cloudfront-js-2.0), viewer request: maps a delivery URL to the key of a
// stored rendition, so that the format is part of the path CloudFront caches and Accept never enters the
// cache key. Written in ES 5.1 (the runtime's base; ESLint holds this file to it) with only the built-ins
// that runtime documents. docs/delivery.md explains the URL scheme; test/edge/viewerRequest.test.ts runs
// this file in Node across real browsers' Accept headers.
//
//   /<rendition>/<source key>        the rendition in the best format this browser accepts
//   /<rendition>.<ext>/<source key>  the rendition in one format (ext: avif, webp, jpg or jpeg)
//
// The format marker sits on the rendition's segment, never on the source key, because a source key can
// end in anything (`cat.jpg`, `a.webp`): `/card/a.webp` is always the best format of the source `a.webp`,
// `/card.webp/a` the WebP of the source `a`. Rendition names cannot contain a dot, so no URL has two
// readings.
//
// Terraform replaces the quoted token below with the deployment's table (terraform/delivery/main.tf),
// the local stack and the tests do the same: { sourcePrefix, maxKeyBytes, renditions: { <name>:
// { keyPrefix, formats } } }, formats named jpeg, webp or avif.
/* exported handler */
var TABLE = '__THUMBNAILER_DELIVERY_TABLE__';

var EXTENSIONS = { avif: 'avif', webp: 'webp', jpeg: 'jpg' };
var FORMAT_OF_EXTENSION = { avif: 'avif', webp: 'webp', jpg: 'jpeg', jpeg: 'jpeg' };
// The order formats are preferred in: smallest for the same quality first.
var PREFERENCE = ['avif', 'webp', 'jpeg'];
// When the browser names none of the rendition's formats: the most widely decoded one it has.
var FALLBACK = ['jpeg', 'webp', 'avif'];

function has(object, name) {
  return Object.prototype.hasOwnProperty.call(object, name);
}

function refusal(statusCode, statusDescription) {
  return {
    statusCode: statusCode,
    statusDescription: statusDescription,
    headers: {
      'content-type': { value: 'text/plain; charset=utf-8' },
      'cache-control': { value: 'public, max-age=300' },
    },
  };
}

// The image types an Accept header admits (q above 0), lower-cased: explicit types only, because a
// browser that sends only */* (curl, old Edge) has not said it decodes AVIF or WebP.
function acceptedTypes(header) {
  var accepted = {};
  var ranges = header.split(',');
  for (var i = 0; i < ranges.length; i++) {
    var parts = ranges[i].split(';');
    var type = parts[0].trim().toLowerCase();
    var quality = 1;
    for (var j = 1; j < parts.length; j++) {
      var parameter = parts[j].trim().toLowerCase();
      if (parameter.indexOf('q=') === 0) {
        quality = parseFloat(parameter.slice(2));
      }
    }
    if (quality > 0) {
      accepted[type] = true;
    }
  }
  return accepted;
}

function bestFormat(formats, acceptHeader) {
  var accepted = acceptedTypes(acceptHeader);
  for (var i = 0; i < PREFERENCE.length; i++) {
    var format = PREFERENCE[i];
    // JPEG needs no asking: every browser decodes it.
    if (formats.indexOf(format) >= 0 && (format === 'jpeg' || accepted['image/' + format])) {
      return format;
    }
  }
  for (var k = 0; k < FALLBACK.length; k++) {
    if (formats.indexOf(FALLBACK[k]) >= 0) {
      return FALLBACK[k];
    }
  }
  return undefined;
}

// UTF-8 bytes of a string, as S3 counts a key's length.
function utf8Length(text) {
  return encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, '_').length;
}

function encodeKey(key) {
  return key.split('/').map(encodeURIComponent).join('/');
}

function decodeKey(encoded) {
  try {
    return decodeURIComponent(encoded);
  } catch (e) {
    return undefined;
  }
}

// A key with `.` or `..` segments: some HTTP stacks between here and S3 would resolve them.
function hasDotSegment(key) {
  return /(^|\/)\.\.?(\/|$)/.test(key);
}

// `/<rendition>[.<ext>]/<source key>` -> { rendition, format (or undefined), key } or undefined.
function parseUri(uri) {
  var match = /^\/([a-z0-9][a-z0-9-]{0,31})(?:\.([a-z]+))?\/(.+)$/.exec(uri);
  if (!match || !has(TABLE.renditions, match[1])) {
    return undefined;
  }
  var rendition = TABLE.renditions[match[1]];
  var format;
  if (match[2] !== undefined) {
    format = has(FORMAT_OF_EXTENSION, match[2]) ? FORMAT_OF_EXTENSION[match[2]] : undefined;
    if (format === undefined || rendition.formats.indexOf(format) < 0) {
      return undefined;
    }
  }
  return { rendition: rendition, format: format, encodedKey: match[3] };
}

function handler(event) {
  var request = event.request;
  var route = parseUri(request.uri);
  if (!route) {
    return refusal(404, 'Not Found');
  }
  var key = decodeKey(route.encodedKey);
  if (key === undefined) {
    return refusal(400, 'Bad Request');
  }
  if (key.indexOf(TABLE.sourcePrefix) !== 0 || hasDotSegment(key)) {
    return refusal(404, 'Not Found');
  }
  var accept = request.headers.accept ? request.headers.accept.value : '';
  var format = route.format || bestFormat(route.rendition.formats, accept);
  var storedKey = route.rendition.keyPrefix + key + '.' + EXTENSIONS[format];
  if (utf8Length(storedKey) > TABLE.maxKeyBytes) {
    return refusal(414, 'URI Too Long');
  }
  request.uri = '/' + encodeKey(storedKey);
  // The query string never reaches the origin: the URI alone names the object.
  request.querystring = {};
  return request;
}
