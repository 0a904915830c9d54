export { ensureTestServices, testServices, testStackHome, type TestServices } from './services.js';
export { createTestDatabase, type TestDatabase } from './database.js';
export { uniqueName } from './names.js';
export { benchDatabase, benchMachine, percentile, round, timed, type BenchMachine } from './bench.js';
export { startTestNats, type TestNats } from './private-nats.js';
export { CHROMIUM, ensureChromium, launchChromium, seriousA11yViolations, type AxeViolation } from './browser.js';
