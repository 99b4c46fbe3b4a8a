// The PostgreSQL suite (`npm run test:postgres`): run by scripts/temporal-postgres.ts against the
// PostgreSQL-backed Temporal server it starts: the end-to-end API suites, then scale-out and mTLS.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/api', '<rootDir>/test/postgres'],
  // The PII scan reads the dev server's own SQLite file; scanning the PostgreSQL store is not built yet.
  testPathIgnorePatterns: ['/test/api/pii-scan\\.test\\.ts$'],
};
