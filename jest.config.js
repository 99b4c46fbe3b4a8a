/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Needs the PostgreSQL-backed server: `npm run test:postgres` (jest.postgres.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/postgres/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Workflow and end-to-end suites each start a real Temporal server: give them room.
  testTimeout: 60_000,
  maxWorkers: 2,
};
