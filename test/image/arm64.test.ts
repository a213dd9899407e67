import { describeLambdaImage } from './lambdaImageSuite';

// One file per architecture, so that Jest can build and run the two images in parallel workers.
describeLambdaImage('arm64');
