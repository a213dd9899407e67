/**
 * libheif (with libde265 for HEVC), compiled to WebAssembly by the `libheif-js` package, typed for what
 * the engine uses. sharp's prebuilt libvips has no HEVC decoder, and WebAssembly runs the same on every
 * architecture, so the container image needs no native build for it.
 *
 * Licences: libheif and libde265 are LGPL-3.0 (the package ships them unmodified, as a separate file a
 * user may replace); HEVC itself is covered by patents, whose licensing is the deployer's call
 * (HEIC_INPUT=false turns HEIC input off).
 */

/** An object embind hands out for a C pointer; `$$.ptr` is the pointer itself, for the raw exports. */
export interface Pointer {
  readonly $$: { readonly ptr: number };
}

export interface HeifError {
  readonly code: { readonly value: number };
  readonly message: string;
}

export interface DecodedImage {
  readonly image: Pointer;
  readonly width: number;
  readonly height: number;
  readonly channels: ReadonlyArray<{
    readonly id: { readonly value: number };
    readonly width: number;
    readonly height: number;
    readonly stride: number;
    /** A view into the module's memory: read before anything else runs in the module. */
    readonly data: Uint8Array;
  }>;
}

type Enum = Readonly<Record<string, { readonly value: number }>>;

export interface LibHeif {
  heif_context_alloc(): Pointer;
  heif_context_free(context: Pointer): void;
  heif_context_read_from_memory(context: Pointer, data: Uint8Array): HeifError;
  heif_js_context_get_primary_image_handle(context: Pointer): Pointer | HeifError;
  heif_image_handle_get_width(handle: Pointer): number;
  heif_image_handle_get_height(handle: Pointer): number;
  heif_image_handle_has_alpha_channel(handle: Pointer): number | boolean;
  heif_image_handle_release(handle: Pointer): void;
  heif_js_decode_image2(handle: Pointer, colourspace: unknown, chroma: unknown): DecodedImage | HeifError;
  heif_image_release(image: Pointer): void;
  // Raw exports: these take the pointer itself.
  _heif_image_handle_get_color_profile_type(handle: number): number;
  _heif_image_handle_get_raw_color_profile_size(handle: number): number;
  /** Returns a struct heif_error, through the pointer given first. */
  _heif_image_handle_get_raw_color_profile(error: number, handle: number, out: number): void;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  readonly HEAPU8: Uint8Array;
  readonly heif_colorspace: Enum;
  readonly heif_chroma: Enum;
  readonly heif_channel: Enum;
  readonly ready?: Promise<unknown>;
}

let instance: Promise<LibHeif> | undefined;

/** The module, instantiated on first use only: a deployment that never sees a HEIC never loads it. */
export function libheif(): Promise<LibHeif> {
  instance ??= (async () => {
    // The bundle embeds the .wasm, so it loads from wherever node_modules is (the image, a checkout).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, and external to the bundle
    const factory = require('libheif-js/libheif-wasm/libheif-bundle.js') as () => LibHeif;
    const module = factory();
    await module.ready;
    return module;
  })();
  return instance;
}

/**
 * Forgets the module after it trapped (a WebAssembly RuntimeError): its memory may be in any state, so
 * the next HEIC gets a fresh instance.
 */
export function discardLibheif(): void {
  instance = undefined;
}

export const isHeifError = (value: unknown): value is HeifError =>
  typeof value === 'object' && value !== null && 'code' in value && 'message' in value;

/** The raw pointer behind an embind handle. */
export function pointerOf(handle: Pointer): number {
  const pointer = handle.$$.ptr;
  if (typeof pointer !== 'number') {
    throw new TypeError('libheif-js handed out a handle without a pointer');
  }
  return pointer;
}
