/** A structured log line from Powertools Logger. */
export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

/** One CloudWatch embedded-metric-format document from Powertools Metrics. */
export interface MetricsDocument {
  readonly _aws: {
    readonly CloudWatchMetrics: ReadonlyArray<{ readonly Metrics: ReadonlyArray<{ Name: string }> }>;
  };
  readonly [metric: string]: unknown;
}

export interface CapturedOutput {
  /** Every line written to stdout or stderr, in order. */
  readonly raw: string[];
  logs(): LogLine[];
  metrics(): MetricsDocument[];
  restore(): void;
}

const parse = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
};

/**
 * Captures what the handler writes (Powertools logs warnings and errors to stderr, everything else and
 * EMF metrics to stdout; Lambda sends both to CloudWatch) so tests assert on the real lines.
 */
export function captureOutput(): CapturedOutput {
  const raw: string[] = [];
  const record = (chunk: string | Uint8Array) => {
    raw.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(record),
    jest.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  const parsed = () =>
    raw.map(parse).filter((line): line is Record<string, unknown> => typeof line === 'object');
  return {
    raw,
    logs: () => parsed().filter((line): line is LogLine => typeof line.level === 'string'),
    metrics: () => parsed().filter((line): line is MetricsDocument => '_aws' in line),
    restore: () => {
      for (const spy of spies) {
        spy.mockRestore();
      }
    },
  };
}

/**
 * Inside a describe: each of its tests' output captured, from a beforeEach to an afterEach, read through
 * the object returned (its lines are the running test's own).
 */
export function captureOutputOfEachTest(): Omit<CapturedOutput, 'restore'> {
  let output: CapturedOutput | undefined;
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => {
    output?.restore();
    output = undefined;
  });
  const current = () => {
    if (output === undefined) throw new Error('output is captured only while a test runs');
    return output;
  };
  return {
    get raw() {
      return current().raw;
    },
    logs: () => current().logs(),
    metrics: () => current().metrics(),
  };
}
