import config from '../../tools/config/eslint.base.mjs';

export default config;
