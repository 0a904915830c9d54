import config from '../tools/config/eslint.base.mjs';

// test/conformance is a project of its own.
export default [{ ignores: ['conformance/**'] }, ...config];
