import { Option } from 'commander';
import { InputError } from '../errors.js';
import { EXIT_CODES_HELP } from '../exit-codes.js';

/** `--home`, for the commands that find the local stack. */
export function homeOption(): Option {
  return new Option('--home <dir>', 'stack directory (default: $PALISADE_HOME or <checkout>/.palisade)');
}

/** `-o, --output` with the formats a command prints. */
export function outputOption<F extends string>(formats: readonly F[], fallback: F): Option {
  return new Option('-o, --output <format>', 'output format').choices(formats).default(fallback);
}

/** Parses a whole-number option value. A bad one is thrown, not exited on, so it is reported like any usage error. */
export function wholeNumber(option: string): (value: string) => number {
  return (value) => {
    if (!/^[0-9]+$/.test(value)) throw new InputError(`${option} must be a whole number, not ${JSON.stringify(value)}`);
    return Number(value);
  };
}

/** The end of --help for every command that talks to the gateway. */
export const GATEWAY_HELP = `\nTalks to the gateway: PALISADE_URL and PALISADE_TOKEN, else what \`palisade login\` saved, else the local stack.\n${EXIT_CODES_HELP}`;
