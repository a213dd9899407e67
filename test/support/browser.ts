import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { REPO_ROOT } from './dockerfile';

/** Debian's chromium, on PATH or at /usr/bin/chromium; never a browser playwright would download. */
export function chromiumPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).stdout.trim();
  if (found !== '') {
    return found;
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

/** Chromium headless, driven by playwright-core. As root (CI), its sandbox cannot start: it runs without. */
export function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) {
    throw new Error('chromium is not on PATH (apt-get install chromium)');
  }
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}

/** Where tests keep what a person should look at (screenshots); git ignores it. */
export async function artifactPath(name: string): Promise<string> {
  const folder = join(REPO_ROOT, 'test-artifacts');
  await mkdir(folder, { recursive: true });
  return join(folder, name);
}
