// The gallery page's script: fetches api/items and updates the page whenever api/events announces a
// change. Each upload's renditions come from its manifest and are shown through the local CDN, over a
// placeholder painted from the ThumbHash. Keys are user input, so the DOM is built with textContent, never
// HTML.
import { placeholderCanvas } from './placeholders.js';

let buckets = { source: '', thumbnails: '', cdn: '' };
/** The cards on the page, by source key, with the version of the item each shows. */
const cards = new Map();

/** The gallery's address of an object; a query string, because a path would lose `.` and `..` segments. */
const objectUrl = (bucket, key) => 'object?' + new URLSearchParams({ bucket, key }).toString();

const EXTENSIONS = { avif: 'avif', webp: 'webp', jpeg: 'jpg' };
const encodeKey = (key) => key.split('/').map(encodeURIComponent).join('/');

/**
 * A rendition's delivery URL (docs/delivery.md): the best format for this browser, or one format. The
 * source's ETag is a version in the query, which the CDN drops: an overwrite gets new URLs.
 */
function cdnUrl(name, format, key, eTag) {
  const rendition = format ? name + '.' + EXTENSIONS[format] : name;
  const version = eTag ? '?v=' + encodeURIComponent(eTag) : '';
  return buckets.cdn + rendition + '/' + encodeKey(key) + version;
}

function size(bytes) {
  if (bytes === undefined) return '?';
  if (bytes < 1024) return bytes + ' B';
  if (bytes < 1048576) return (bytes / 1024).toFixed(1) + ' KB';
  return (bytes / 1048576).toFixed(1) + ' MB';
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function label(item) {
  if (item.reason === 'already-current') return 'made earlier';
  return item.status + (item.reason ? ': ' + item.reason : '');
}

function original(item) {
  const figure = el('figure', 'tile original');
  const link = el('a', 'frame');
  link.href = objectUrl(buckets.source, item.key);
  const img = el('img');
  img.src = link.href;
  img.alt = 'original of ' + item.key;
  // Browsers show neither non-images (served as downloads) nor formats such as TIFF or HEIC: say so
  // instead of showing a broken icon.
  img.addEventListener('error', () => link.replaceChildren(el('span', 'meta', 'no preview')));
  link.append(img);
  figure.append(link, el('figcaption', 'meta', 'original · ' + size(item.bytes)));
  return figure;
}

/** The manifest's renditions, one entry per name with its formats in the manifest's order. */
function byName(manifest) {
  const groups = new Map();
  for (const output of manifest.renditions) {
    const group = groups.get(output.name) ?? { ...output, outputs: [] };
    group.outputs.push(output);
    groups.set(output.name, group);
  }
  return [...groups.values()];
}

/** One rendition as an app would show it: `<picture>` with one source per modern format, over its placeholder. */
function rendition(group, manifest) {
  const { key, eTag } = manifest.source;
  const figure = el('figure', 'tile rendition');
  figure.dataset.rendition = group.name;
  const frame = el('div', 'frame');
  frame.style.backgroundColor = manifest.placeholders.dominantColour;
  frame.style.aspectRatio = group.width + ' / ' + group.height;
  const picture = el('picture');
  for (const format of ['avif', 'webp']) {
    if (group.outputs.some((output) => output.format === format)) {
      const source = el('source');
      source.type = 'image/' + format;
      source.srcset = cdnUrl(group.name, format, key, eTag);
      picture.append(source);
    }
  }
  const img = el('img');
  img.alt = group.name + ' of ' + key;
  img.width = group.width;
  img.height = group.height;
  img.addEventListener('load', () => frame.classList.add('loaded'));
  img.addEventListener('error', () => frame.classList.add('failed'));
  img.src = cdnUrl(group.name, undefined, key, eTag);
  picture.append(img);
  frame.append(placeholderCanvas(manifest.placeholders), picture);
  figure.append(frame, caption(group, key, eTag));
  return figure;
}

/** `card 640x427` and a link to each format, with its size. */
function caption(group, key, eTag) {
  const node = el('figcaption', 'meta');
  node.append(el('strong', '', group.name), ' ' + group.width + 'x' + group.height);
  for (const output of group.outputs) {
    const link = el('a', 'format', EXTENSIONS[output.format] + ' ' + size(output.bytes));
    link.href = cdnUrl(group.name, output.format, key, eTag);
    node.append(' · ', link);
  }
  return node;
}

async function manifestOf(item) {
  if (item.status !== 'made' && item.reason !== 'already-current') return undefined;
  const answer = await fetch('api/manifest?' + new URLSearchParams({ key: item.key }).toString());
  return answer.ok ? answer.json() : undefined;
}

async function card(item) {
  const node = el('article', 'card');
  node.dataset.key = item.key;
  const head = el('header');
  head.append(el('span', 'key', item.key), el('span', 'status ' + item.status, label(item)));
  const tiles = el('div', 'tiles');
  tiles.append(original(item));
  const manifest = await manifestOf(item).catch(() => undefined);
  if (manifest) {
    tiles.append(...byName(manifest).map((group) => rendition(group, manifest)));
  }
  node.append(head, tiles);
  if (item.detail && item.status !== 'made' && item.reason !== 'already-current') {
    node.append(el('div', 'meta', item.detail));
  }
  return node;
}

function publishedEvent(event) {
  const node = el('li', 'event');
  node.append(el('span', 'status ' + event['detail-type'].replace(/ /g, '-'), event['detail-type']));
  node.append(el('span', 'key', ' ' + event.detail.source.key + ' '));
  const details = el('details');
  details.append(el('summary', 'meta', 'detail'), el('pre', 'meta', JSON.stringify(event.detail, null, 2)));
  node.append(details);
  return node;
}

/** Rebuilds only the cards whose item changed, so that images already shown are not loaded again. */
async function showItems(items) {
  const shown = await Promise.all(
    items.map(async (item) => {
      const version = item.status + ' ' + item.updatedAt;
      const known = cards.get(item.key);
      if (known && known.version === version) return known;
      const fresh = { version, node: await card(item) };
      cards.set(item.key, fresh);
      return fresh;
    }),
  );
  const keys = new Set(items.map((item) => item.key));
  for (const key of cards.keys()) if (!keys.has(key)) cards.delete(key);
  const grid = document.getElementById('grid');
  grid.replaceChildren(
    ...(shown.length ? shown.map((entry) => entry.node) : [el('p', 'meta', 'No uploads yet.')]),
  );
}

let refreshing = Promise.resolve();
async function refresh() {
  const [items, published] = await Promise.all([
    fetch('api/items').then((answer) => answer.json()),
    fetch('api/published').then((answer) => answer.json()),
  ]);
  await showItems(items);
  document.getElementById('published').replaceChildren(...published.map(publishedEvent));
}

async function start() {
  buckets = await (await fetch('api/buckets')).json();
  document.getElementById('source').textContent = buckets.source;
  document.getElementById('thumbnails').textContent = buckets.thumbnails;
  document.getElementById('cdn').textContent = buckets.cdn;
  // One refresh at a time, in order: a slow one never overwrites a newer one.
  const queue = () =>
    (refreshing = refreshing.then(refresh).catch((error) => console.warn('gallery: refresh failed', error)));
  new EventSource('api/events').addEventListener('message', () => void queue());
  await queue();
}

void start();
