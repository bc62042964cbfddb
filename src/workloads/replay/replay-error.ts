/** A problem with the trace or with replaying it, with the line it happened on. */
export class ReplayError extends Error {
  constructor(
    readonly lineNo: number,
    message: string,
  ) {
    super(message);
    this.name = "ReplayError";
  }
}
