// The gallery page's script: fetches api/items and re-renders whenever api/events announces a change.
// Keys are user input, so the DOM is built with textContent, never HTML.
'use strict';

let buckets = { source: '', thumbnails: '' };

/** The gallery's address of an object; a query string, because a path would lose `.` and `..` segments. */
const objectUrl = (bucket, key) => 'object?' + new URLSearchParams({ bucket, key }).toString();

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

function image(bucket, key) {
  const link = el('a');
  link.href = objectUrl(bucket, key);
  const img = el('img');
  img.src = link.href;
  img.alt = key;
  img.loading = 'lazy';
  // Browsers show neither non-images (served as downloads) nor formats such as TIFF or HEIC: say so
  // instead of showing a broken icon.
  img.addEventListener('error', () => link.replaceChildren(el('span', 'meta', 'no preview')));
  link.append(img);
  return link;
}

function label(item) {
  if (item.reason === 'already-current') return 'made earlier';
  return item.status + (item.reason ? ': ' + item.reason : '');
}

function card(item) {
  const node = el('div', 'card');
  const pair = el('div', 'pair');
  pair.append(image(buckets.source, item.key));
  if (item.thumbnailKey) pair.append(image(buckets.thumbnails, item.thumbnailKey));
  node.append(pair, el('div', 'key', item.key), el('span', 'status ' + item.status, label(item)));
  const facts = ['original ' + size(item.bytes)];
  if (item.thumbnail) {
    const { width, height, bytes } = item.thumbnail;
    facts.push('thumbnail ' + width + 'x' + height + ', ' + size(bytes));
  }
  node.append(el('div', 'meta', facts.join(' · ')));
  if (item.detail && item.status !== 'made' && item.reason !== 'already-current') {
    node.append(el('div', 'meta', item.detail));
  }
  return node;
}

function publishedEvent(event) {
  const node = el('li', 'event');
  node.append(el('span', 'status ' + event['detail-type'].replace(/ /g, '-'), event['detail-type']));
  node.append(el('span', 'key', ' ' + event.detail.source.key + ' '));
  node.append(el('pre', 'meta', JSON.stringify(event.detail, null, 2)));
  return node;
}

async function refresh() {
  const [items, published] = await Promise.all([
    fetch('api/items').then((answer) => answer.json()),
    fetch('api/published').then((answer) => answer.json()),
  ]);
  const grid = document.getElementById('grid');
  grid.replaceChildren(...(items.length ? items.map(card) : [el('p', 'meta', 'No uploads yet.')]));
  document.getElementById('published').replaceChildren(...published.map(publishedEvent));
}

async function start() {
  buckets = await (await fetch('api/buckets')).json();
  document.getElementById('source').textContent = buckets.source;
  document.getElementById('thumbnails').textContent = buckets.thumbnails;
  new EventSource('api/events').addEventListener('message', () => void refresh());
  await refresh();
}

void start();
