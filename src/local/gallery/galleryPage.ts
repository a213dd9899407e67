/**
 * The gallery page: static HTML whose script fetches `api/items` and re-renders whenever `api/events`
 * announces a change. Keys are user input, so the script builds the DOM with textContent, never HTML.
 */
export function galleryPage(sourceBucket: string, thumbnailBucket: string): string {
  const buckets = JSON.stringify({ source: sourceBucket, thumbnails: thumbnailBucket }).replace(
    /</g,
    '\\u003c',
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>thumbnailer: local gallery</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; background: #f6f6f4; color: #222; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  p.sub { margin: 0 0 1.5rem; color: #666; }
  #grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 1rem; }
  .card { background: #fff; border-radius: 8px; padding: .75rem; box-shadow: 0 1px 3px #0002; }
  .pair { display: flex; gap: .5rem; align-items: center; height: 140px; }
  .pair a { flex: 1; height: 100%; display: flex; align-items: center; justify-content: center; background: #eee; border-radius: 4px; overflow: hidden; }
  .pair img { max-width: 100%; max-height: 100%; }
  .key { font-family: ui-monospace, monospace; word-break: break-all; margin: .5rem 0 .25rem; }
  .status { display: inline-block; padding: 0 .4rem; border-radius: 4px; font-size: 12px; }
  .made { background: #d8f3dc; } .skipped { background: #eee; } .processing { background: #fff3bf; }
  .rejected, .failed { background: #ffd6d6; }
  .meta { color: #666; font-size: 12px; }
</style>
</head>
<body>
<h1>thumbnailer: local gallery</h1>
<p class="sub">Originals in <code id="source"></code>, thumbnails in <code id="thumbnails"></code>. Updates as uploads arrive.</p>
<div id="grid"></div>
<script>
const buckets = ${buckets};
document.getElementById('source').textContent = buckets.source;
document.getElementById('thumbnails').textContent = buckets.thumbnails;
const objectUrl = (bucket, key) => 'object/' + encodeURIComponent(bucket) + '/' + key.split('/').map(encodeURIComponent).join('/');
const size = (bytes) => bytes === undefined ? '?' : bytes < 1024 ? bytes + ' B' : bytes < 1048576 ? (bytes / 1024).toFixed(1) + ' KB' : (bytes / 1048576).toFixed(1) + ' MB';
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
  // Browsers show neither non-images nor formats such as TIFF or HEIC: say so instead of a broken icon.
  img.onerror = () => link.replaceChildren(el('span', 'meta', 'no preview'));
  link.append(img);
  return link;
}
function card(item) {
  const node = el('div', 'card');
  const pair = el('div', 'pair');
  pair.append(image(buckets.source, item.key));
  if (item.thumbnailKey) pair.append(image(buckets.thumbnails, item.thumbnailKey));
  node.append(pair, el('div', 'key', item.key));
  const label = item.reason === 'already-current' ? 'made earlier' : item.status + (item.reason ? ': ' + item.reason : '');
  node.append(el('span', 'status ' + item.status, label));
  const facts = ['original ' + size(item.bytes)];
  if (item.thumbnail) facts.push('thumbnail ' + item.thumbnail.width + 'x' + item.thumbnail.height + ', ' + size(item.thumbnail.bytes));
  node.append(el('div', 'meta', facts.join(' · ')));
  if (item.detail && item.status !== 'made' && item.reason !== 'already-current') node.append(el('div', 'meta', item.detail));
  return node;
}
async function refresh() {
  const items = await (await fetch('api/items')).json();
  const grid = document.getElementById('grid');
  grid.replaceChildren(...(items.length ? items.map(card) : [el('p', 'meta', 'No uploads yet.')]));
}
new EventSource('api/events').onmessage = refresh;
refresh();
</script>
</body>
</html>
`;
}
