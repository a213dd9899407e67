import { checkPixels } from '../inputHeader';
import { tiffFor } from './rawTiff';
import {
  type DecodedImage,
  discardLibheif,
  isHeifError,
  libheif,
  type LibHeif,
  type Pointer,
  pointerOf,
} from './libheif';
import { errorName, ImageRejectedError, messageOf } from '../../../common/errors';

/** `prof` and `rICC`: the two kinds of colour box that hold an ICC profile (`nclx` holds none). */
const ICC_TYPES = new Set([0x70726f66, 0x72494343]);

/** libheif's messages end in "\n" (shown literally in a log line or the CLI's): every one passes here. */
const corrupt = (what: string) =>
  new ImageRejectedError('corrupt', `cannot decode heic: ${what.replace(/\s+/g, ' ').trim()}`);

/** The primary image's ICC profile, when it has one. */
function iccProfile(lib: LibHeif, handle: Pointer): Uint8Array | undefined {
  const pointer = pointerOf(handle);
  const size = lib._heif_image_handle_get_raw_color_profile_size(pointer);
  if (size === 0 || !ICC_TYPES.has(lib._heif_image_handle_get_color_profile_type(pointer))) {
    return undefined;
  }
  const [error, out] = [lib._malloc(16), lib._malloc(size)];
  try {
    lib._heif_image_handle_get_raw_color_profile(error, pointer, out);
    const code = new DataView(lib.HEAPU8.buffer, error, 4).getInt32(0, true);
    return code === 0 ? lib.HEAPU8.slice(out, out + size) : undefined;
  } finally {
    lib._free(out);
    lib._free(error);
  }
}

/** The decoded rows, copied into a TIFF with the profile (see rawTiff.ts), before the module runs again. */
function asTiff(image: DecodedImage, lib: LibHeif, channels: 3 | 4, icc: Uint8Array | undefined): Buffer {
  const plane = image.channels.find(
    (channel) => channel.id.value === lib.heif_channel.heif_channel_interleaved?.value,
  );
  if (!plane) {
    throw corrupt('libheif returned no interleaved RGB plane');
  }
  const { file, pixelsAt } = tiffFor(plane.width, plane.height, channels, icc);
  const row = plane.width * channels;
  for (let y = 0; y < plane.height; y += 1) {
    file.set(plane.data.subarray(y * plane.stride, y * plane.stride + row), pixelsAt + y * row);
  }
  return file;
}

/** Decodes the primary image of the HEIC already read into `context`, upright, as a TIFF. */
function decodePrimary(lib: LibHeif, context: Pointer, maxPixels: number): Buffer {
  const handle = lib.heif_js_context_get_primary_image_handle(context);
  if (isHeifError(handle)) {
    throw corrupt(handle.message);
  }
  try {
    // After irot/imir (rotation and mirroring), which libheif applies while decoding.
    checkPixels(
      { width: lib.heif_image_handle_get_width(handle), height: lib.heif_image_handle_get_height(handle) },
      maxPixels,
    );
    const alpha = Boolean(lib.heif_image_handle_has_alpha_channel(handle));
    const icc = iccProfile(lib, handle);
    const chroma = alpha
      ? lib.heif_chroma.heif_chroma_interleaved_RGBA
      : lib.heif_chroma.heif_chroma_interleaved_RGB;
    const image = lib.heif_js_decode_image2(handle, lib.heif_colorspace.heif_colorspace_RGB, chroma);
    if (isHeifError(image)) {
      throw corrupt(image.message);
    }
    try {
      return asTiff(image, lib, alpha ? 4 : 3, icc);
    } finally {
      lib.heif_image_release(image.image);
    }
  } finally {
    lib.heif_image_handle_release(handle);
  }
}

/**
 * Decodes a HEIC's primary image (not the first one stored: a multi-image file names its primary),
 * with its rotation and mirroring applied, into 8-bit RGB(A) that libvips can read, as a TIFF carrying
 * the image's ICC profile. Its dimensions are checked against the pixel limit before any pixel is
 * decoded. Damage is a refusal, `corrupt`, with libheif's own words.
 */
export async function decodeHeic(input: Buffer, maxPixels: number): Promise<Buffer> {
  const lib = await libheif();
  const context = lib.heif_context_alloc();
  try {
    const read = lib.heif_context_read_from_memory(context, input);
    if (read.code.value !== 0) {
      throw corrupt(read.message);
    }
    return decodePrimary(lib, context, maxPixels);
  } catch (error) {
    if (errorName(error) === 'RuntimeError') {
      discardLibheif();
      throw corrupt(`libheif failed (${messageOf(error)})`);
    }
    throw error;
  } finally {
    lib.heif_context_free(context);
  }
}
