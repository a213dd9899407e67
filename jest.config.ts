import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Probes once for the optional tools (container runtime, moto_server) so each suite knows what it can run.
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  setupFiles: ['<rootDir>/test/support/testEnvironment.ts'],
  // Integration suites start real servers; none of them asserts on time.
  testTimeout: 60_000,
};

export default config;
