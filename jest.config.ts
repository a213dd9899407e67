import { availableParallelism } from 'node:os';
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '/node_modules/thumbhash/.+\\.js$': '<rootDir>/test/support/esModuleTransform.cjs',
  },
  // thumbhash ships as an ES module only (see src/core/engine/thumbhash.ts).
  transformIgnorePatterns: ['/node_modules/(?!thumbhash/)'],
  // Probes once for the optional tools (container runtime, moto_server) so each suite knows what it can run.
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  setupFiles: ['<rootDir>/test/support/testEnvironment.ts'],
  // Integration suites start real servers; none of them asserts on time.
  testTimeout: 60_000,
  // Most suites wait on servers (moto, Terraform, a child process) more than they compute, so even a
  // two-core machine runs two at once (Jest's default there is one), which takes CI from about eight
  // minutes to five.
  maxWorkers: Math.max(2, availableParallelism() - 1),
};

export default config;
