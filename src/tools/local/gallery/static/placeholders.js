// Placeholders painted while the renditions load: the upload's ThumbHash decoded by the `thumbhash`
// package (served by the gallery itself, no CDN) onto a canvas, over its dominant colour.
import { thumbHashToRGBA } from './thumbhash.js';

/** The ThumbHash of a manifest (base64) as bytes; undefined when it is not base64. */
function hashBytes(base64) {
  try {
    return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** A canvas holding the ThumbHash's small picture, stretched (and so smoothly blurred) by CSS. */
export function placeholderCanvas(placeholders) {
  const canvas = document.createElement('canvas');
  canvas.className = 'placeholder';
  const bytes = hashBytes(placeholders.thumbhash);
  if (!bytes) return canvas;
  try {
    const { w, h, rgba } = thumbHashToRGBA(bytes);
    canvas.width = w;
    canvas.height = h;
    canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba), w, h), 0, 0);
  } catch {
    // A damaged hash: the dominant colour behind it is placeholder enough.
  }
  return canvas;
}
