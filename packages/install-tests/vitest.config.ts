import { packageProject } from '../../vitest.shared';

// npm installs (better-sqlite3 compiles from source on machines without a prebuilt binary) take minutes.
export default packageProject('install-tests', {
  globalSetup: ['test/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 900_000,
});
