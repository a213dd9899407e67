import type sharp from 'sharp';

/**
 * Makes sharp read every embedded ICC profile into the sRGB a thumbnail is written in.
 *
 * sharp gets 8-bit input right: it converts through the embedded profile straight into sRGB. 16-bit
 * input it gets wrong, in two ways (sharp 0.35, `pipeline.cc`):
 * - 16-bit RGB (PNG, TIFF, 10- and 12-bit AVIF) is converted through its profile into Display P3, to
 *   keep a wide gamut for 16-bit output; 8-bit sRGB output is then made of that P3 by rescaling alone,
 *   as if it were sRGB, so every saturated colour comes out dull ((220,30,30) became (201,53,43)).
 * - 16-bit greyscale skips its profile altogether (a linear-light grey comes out far too dark).
 *
 * The fix keeps sharp's own conversions and supplies the missing one. An opaque image stays at 16 bits
 * and gets a real P3 (or grey) to sRGB profile conversion at the end, so a linear-light profile keeps
 * its shadows. An image with alpha is first brought to 8 bits, where sharp converts straight into sRGB:
 * transparent pixels are flattened onto the background within the pipeline's colour space, and the
 * background colour is given in sRGB, so that space must be sRGB.
 */
export interface ColourRoute {
  readonly route: 'as-is' | 'convert-at-16-bits' | 'reduce-to-8-bits';
  readonly grey: boolean;
}

/** How an input's colours must be read, from its header. */
export function colourRouteFor(metadata: sharp.Metadata): ColourRoute {
  const grey = metadata.space === 'grey16';
  if (!(grey || metadata.space === 'rgb16') || !metadata.hasProfile) {
    return { route: 'as-is', grey };
  }
  return { route: metadata.hasAlpha ? 'reduce-to-8-bits' : 'convert-at-16-bits', grey };
}

/** Applies the route to a new pipeline. */
export function routeColours(pipeline: sharp.Sharp, { route, grey }: ColourRoute): sharp.Sharp {
  switch (route) {
    case 'as-is':
      return pipeline;
    case 'convert-at-16-bits':
      // The 16-bit pipeline's profile (P3, or the grey one) to sRGB; `attach: false` keeps ICC out of
      // the output, like every other thumbnail's. The encoder then takes the 16-bit sRGB to 8 bits.
      return pipeline.toColourspace(grey ? 'grey16' : 'rgb16').withIccProfile('srgb', { attach: false });
    case 'reduce-to-8-bits':
      return pipeline.pipelineColourspace(grey ? 'b-w' : 'srgb');
  }
}
