import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/function/config';
import type { RecordResult } from '../../../src/function/processor/recordOutcome';
import { REJECTIONS_FILE, RejectionMemory } from '../../../src/tools/local/rejectionMemory';

const config = (env: NodeJS.ProcessEnv = {}) =>
  loadConfig({ THUMBNAIL_BUCKET: 'thumbnails', SOURCE_BUCKET: 'uploads', ...env });
const rejected = {
  key: 'bomb.png',
  status: 'rejected',
  reason: 'too-many-pixels',
  detail: 'a bomb',
  durationMs: 3,
} as RecordResult;

describe('what the local stack remembers of rejected uploads', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'thumbnailer-rejections-'));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  async function remembered(env?: NodeJS.ProcessEnv): Promise<RejectionMemory> {
    const first = await RejectionMemory.open(folder, config());
    first.note(rejected, 'etag-1');
    await first.flushed();
    return RejectionMemory.open(folder, config(env));
  }

  it('recalls a rejection across a restart for the same version only', async () => {
    const memory = await remembered();
    expect(memory.recall('bomb.png', 'etag-1')).toMatchObject({
      status: 'rejected',
      reason: 'too-many-pixels',
      detail: 'a bomb',
    });
    expect(memory.recall('bomb.png', 'etag-2')).toBeUndefined();
    expect(memory.recall('bomb.png', undefined)).toBeUndefined();
    expect(memory.recall('other.png', 'etag-1')).toBeUndefined();
    expect(await readdir(folder)).toEqual([REJECTIONS_FILE]);
  });

  it('forgets every rejection when the settings change (a raised limit may accept it)', async () => {
    const memory = await remembered({ MAX_INPUT_PIXELS: '200000000' });
    expect(memory.recall('bomb.png', 'etag-1')).toBeUndefined();
  });

  it('forgets a key once a later version of it is made', async () => {
    const memory = await remembered();
    memory.note({ ...rejected, status: 'skipped', reason: 'already-current', detail: '' }, 'etag-2');
    await memory.flushed();
    expect((await RejectionMemory.open(folder, config())).recall('bomb.png', 'etag-1')).toBeUndefined();
  });

  it.each(['', '{', '{"settings": 1, "entries": []}', '[]', 'null'])(
    'starts afresh from a damaged file: %j',
    async (text) => {
      await writeFile(join(folder, REJECTIONS_FILE), text);
      const memory = await RejectionMemory.open(folder, config());
      expect(memory.recall('bomb.png', 'etag-1')).toBeUndefined();
    },
  );
});
