/** Shared by both projects. */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  maxWorkers: 2,
  verbose: true,
  reporters: ['default', '<rootDir>/test/setup/closing-line-reporter.cjs'],
  projects: [
    {
      ...common,
      // Pure code: schemas, columns, values, formatting, the work line, replay of recorded
      // histories. No server starts (`npm run test:unit`).
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'servers',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      // Real servers (Temporal, FerretDB, SFTP, FTP, S3, GCS, SMTP) start once per run on free
      // loopback ports, only when a suite of this project runs.
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
