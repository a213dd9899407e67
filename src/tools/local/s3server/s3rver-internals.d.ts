// Modules inside s3rver 3.7.1 (its final release, pinned exactly in package.json) that its typings omit.
declare module 's3rver/lib/models/account' {
  interface AWSAccount {
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  }
  /** The one account s3rver authenticates every request against. */
  export const DUMMY_ACCOUNT: AWSAccount;
}

declare module 's3rver/lib/models/error' {
  /** s3rver answers with an S3 XML error for these, and a 500 InternalError for any other error. */
  class S3Error extends Error {
    constructor(code: string, message: string, detail?: Record<string, unknown>);
  }
  export = S3Error;
}

declare module 's3rver/lib/stores/filesystem' {
  /** Every path s3rver reads or writes for a key goes through these two (static) functions. */
  const FilesystemStore: {
    encodeKeyPath: (key: string) => string;
    decodeKeyPath: (path: string) => string;
  };
  export = FilesystemStore;
}

declare module 'busboy' {
  import type { IncomingHttpHeaders } from 'node:http';
  import { Writable } from 'node:stream';
  /** busboy 0.3 (s3rver's dependency): emits `field`, `file`, `finish` and `error`. */
  class Busboy extends Writable {
    constructor(options: { headers: IncomingHttpHeaders; limits?: Record<string, number> });
  }
  export = Busboy;
}
