/**
 * The gallery in a real browser: Debian's chromium, headless, driven by playwright-core, against `npm start`
 * (the built entry point in a child process, every port 0). Each upload's renditions come through the
 * local CDN in the format Chromium negotiates, the ThumbHash placeholder shows before them, uploads and
 * deletes update the page live, and nothing is logged as an error. A screenshot is kept in test-artifacts/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page, Route } from 'playwright-core';
import { artifactPath, launchChromium } from '../../support/browser';
import { photoJpeg } from '../../support/images';
import { type RunningLocalStack, startLocalStackProcess } from '../../support/localStackProcess';
import { s3ClientFor } from '../../support/s3Client';
import { describeTier } from '../../support/tiers';

const RENDITIONS = [
  { name: 'square', width: 160, height: 160, fit: 'cover', formats: ['avif', 'webp', 'jpeg'] },
  { name: 'card', width: 320, height: 240, formats: ['webp'] },
  { name: 'plain', width: 120, height: 120, formats: ['jpeg'] },
];
/** What Chromium should get for each rendition: AVIF where configured, else WebP, else JPEG. */
const NEGOTIATED = { square: 'image/avif', card: 'image/webp', plain: 'image/jpeg' };

/**
 * Holds the local CDN's answers until released, so that the page can be seen while its images load. A
 * route in the browser (playwright's), not a delay in the CDN: the placeholder is observed for certain,
 * with no timer, and the CDN runs as shipped.
 */
class HeldImages {
  private held: Route[] = [];
  private released = false;
  readonly types = new Map<string, string>();

  async install(page: Page, cdnUrl: string): Promise<void> {
    page.on('response', (response) => {
      if (response.url().startsWith(cdnUrl)) {
        this.types.set(new URL(response.url()).pathname, response.headers()['content-type'] ?? '');
      }
    });
    await page.route(`${cdnUrl}**`, async (route) => {
      if (this.released) {
        await route.continue();
      } else {
        this.held.push(route);
      }
    });
  }

  async release(): Promise<void> {
    this.released = true;
    await Promise.all(this.held.splice(0).map((route) => route.continue()));
  }
}

/** The little of a browser window the page functions below use (the suite is typed for Node, not the DOM). */
interface BrowserWindow {
  getComputedStyle(element: unknown): { backgroundColor: string };
}

/** A rendition's frame in the page, as far as the test reads it. */
interface FrameNode {
  querySelector(selector: 'canvas'): {
    width: number;
    height: number;
    getContext(kind: '2d'): {
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    } | null;
  } | null;
  classList: { contains(name: string): boolean };
}

const card = (page: Page, key: string) => page.locator(`article.card[data-key="${key}"]`);

describeTier('chromium', 'the gallery in Chromium', () => {
  let workDir: string;
  let stack: RunningLocalStack;
  let s3: S3Client;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const images = new HeldImages();

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'thumbnailer-browser-'));
    stack = await startLocalStackProcess(['--port', '0', '--data-dir', join(workDir, 'data')], {
      env: { RENDITIONS: JSON.stringify(RENDITIONS) },
    });
    s3 = s3ClientFor(stack);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'uploads',
        Key: 'photos/first cat.jpg',
        Body: await photoJpeg(900, 600),
      }),
    );
    await stack.waitFor(/^made +uploads\/photos\/first cat\.jpg/m);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await images.install(page, stack.cdnUrl);
  });
  afterAll(async () => {
    await browser.close();
    s3.destroy();
    await stack.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('paints the ThumbHash placeholder over the dominant colour while the renditions load', async () => {
    await page.goto(stack.galleryUrl);
    const first = card(page, 'photos/first cat.jpg');
    await first
      .locator('.rendition')
      .nth(RENDITIONS.length - 1)
      .waitFor();
    const frames = first.locator('.rendition .frame');
    expect(await frames.count()).toBe(RENDITIONS.length);
    // Every image is held: what shows is the placeholder, decoded in the page from the manifest's hash.
    const painted = await frames.evaluateAll((nodes) =>
      (nodes as unknown as FrameNode[]).map((frame) => {
        const canvas = frame.querySelector('canvas');
        const pixels = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
        return {
          loaded: frame.classList.contains('loaded'),
          opaque: pixels !== undefined && pixels.length > 0 && pixels[3] === 255,
          background: (globalThis as unknown as BrowserWindow).getComputedStyle(frame).backgroundColor,
        };
      }),
    );
    for (const frame of painted) {
      expect(frame).toEqual({ loaded: false, opaque: true, background: expect.stringMatching(/^rgb\(/) });
    }
    await images.release();
    await page.locator('article.card[data-key="photos/first cat.jpg"] .frame.loaded').nth(2).waitFor();
  });

  it('shows every rendition through the local CDN in the format Chromium negotiates', async () => {
    const first = card(page, 'photos/first cat.jpg');
    for (const [name, type] of Object.entries(NEGOTIATED)) {
      const img = first.locator(`.rendition[data-rendition="${name}"] img`);
      const source = await img.evaluate((node) => (node as unknown as { currentSrc: string }).currentSrc);
      expect(source.startsWith(stack.cdnUrl)).toBe(true);
      expect({ name, type: images.types.get(new URL(source).pathname) }).toEqual({ name, type });
    }
  });

  it('adds an upload and drops a deleted one live, without a reload, and logs no error', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'uploads',
        Key: 'photos/second.jpg',
        Body: await photoJpeg(600, 900, 7),
      }),
    );
    await page.locator('article.card[data-key="photos/second.jpg"] .frame.loaded').nth(2).waitFor();
    await s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'photos/first cat.jpg' }));
    await card(page, 'photos/first cat.jpg').waitFor({ state: 'detached' });
    await s3.send(
      new PutObjectCommand({
        Bucket: 'uploads',
        Key: 'photos/third.jpg',
        Body: await photoJpeg(800, 800, 3),
      }),
    );
    await page.locator('article.card[data-key="photos/third.jpg"] .frame.loaded').nth(2).waitFor();
    const screenshot = await artifactPath('gallery.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    process.stdout.write(`gallery screenshot: ${screenshot}\n`);
    expect(problems).toEqual([]);
  });

  it('shows a key made of markup as text, and runs none of it', async () => {
    const key = `odd/<img src=x onerror="globalThis.injected=1">"'&amp;.jpg`;
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: await photoJpeg(300, 200, 5) }));
    const hostile = page.locator('article.card').filter({ hasText: key });
    await hostile.locator('.frame.loaded').nth(2).waitFor();
    expect(await page.evaluate(() => (globalThis as { injected?: unknown }).injected)).toBeUndefined();
    expect(await hostile.locator('img[src="x"]').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
