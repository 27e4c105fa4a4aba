export { createTestDatabase, type TestDatabase } from './test-database';
export { seedSignLanguageVersion, SHARED } from './seed-version';
export { freePort, waitForPort } from './ports';
export { startPrivateRedis, type PrivateRedis } from './private-redis';
