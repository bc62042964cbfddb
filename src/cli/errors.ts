/**
 * Errors the CLI turns into a one-line message and exit code 2 (bad input), as opposed to
 * internal failures. Library code throws `InputError` for anything a user supplied wrongly;
 * the message names the file, line or field and what was expected.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}
