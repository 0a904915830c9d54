/** A problem with the command's input (a missing file, a bad flag value); its message is printed as is. */
export class InputError extends Error {}
