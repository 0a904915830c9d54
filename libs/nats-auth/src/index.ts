export { NatsAuth, createNatsAuth, encodePlatformAccount, operatorConfig, accountPublicKey, systemAccountPublicKey, keyFromSeed, ACCOUNT_NAME } from './setup.js';
export { issueUser, type IssuedUser } from './users.js';
export { pushAccount } from './push.js';
