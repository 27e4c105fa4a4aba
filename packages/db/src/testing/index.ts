export { createTestDatabase, type TestDatabase } from './test-database';
export { seedSignLanguageVersion, SHARED } from './seed-version';
export { freePort, waitForPort } from './ports';
