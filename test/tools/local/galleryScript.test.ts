import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { REPO_ROOT } from '../../support/dockerfile';
import { startGallery } from '../../support/galleryHarness';
import { solidImage } from '../../support/images';

/** Just enough of a DOM element for the page's script; no browser runs here, so this stands in for one. */
class FakeElement {
  className = '';
  textContent = '';
  href = '';
  src = '';
  alt = '';
  loading = '';
  children: FakeElement[] = [];
  constructor(readonly tag: string) {}
  append(...nodes: FakeElement[]) {
    this.children.push(...nodes);
  }
  replaceChildren(...nodes: FakeElement[]) {
    this.children = nodes;
  }
  addEventListener() {
    return undefined;
  }
  all(): FakeElement[] {
    return [this, ...this.children.flatMap((child) => child.all())];
  }
}

/** The real gallery.js against the real gallery server: the page shows what api/items says, safely. */
it("the page's script renders every item with textContent and links objects by query", async () => {
  const gallery = await startGallery();
  const key = 'a/../<img src=x onerror=alert(1)>.png';
  await gallery.s3.send(
    new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: await solidImage(8, 8, 'png') }),
  );
  const input = { format: 'png', width: 8, height: 8, bytes: 100 } as const;
  const output = { format: 'jpeg', width: 8, height: 8, bytes: 50 };
  gallery.state.settled({ key, status: 'made', durationMs: 1, outputKey: `${key}.jpg`, input, output }, 100);
  const elements = new Map(
    ['source', 'thumbnails', 'grid', 'published'].map((id) => [id, new FakeElement('div')]),
  );
  const streams: string[] = [];
  const context = {
    document: {
      getElementById: (id: string) => elements.get(id),
      createElement: (tag: string) => new FakeElement(tag),
    },
    fetch: (url: string) => fetch(new URL(url, gallery.url)),
    EventSource: class {
      constructor(url: string) {
        streams.push(url);
      }
      addEventListener() {
        return undefined;
      }
    },
    URLSearchParams,
  };
  runInNewContext(
    await readFile(join(REPO_ROOT, 'src/tools/local/gallery/static/gallery.js'), 'utf8'),
    context,
  );
  // Polls until the script has rendered (a bound against a hang, not a timing assertion).
  for (let tries = 0; !elements.get('grid')?.children.length && tries < 400; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const rendered = elements.get('grid')?.all() ?? [];
  expect([elements.get('source')?.textContent, streams]).toEqual(['uploads', ['api/events']]);
  expect(rendered.map((node) => node.textContent)).toContain(key);
  const images = rendered.filter((node) => node.tag === 'img');
  expect(images.map((img) => img.alt)).toEqual([key, `${key}.jpg`]);
  const original = await fetch(new URL(images[0]?.src ?? '', gallery.url));
  expect([original.status, original.headers.get('content-type')]).toEqual([200, 'image/png']);
  await gallery.stop();
});
