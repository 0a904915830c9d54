export * from './port.js';
export * from './protocol.js';
