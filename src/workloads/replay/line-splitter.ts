/**
 * Splits a byte stream into lines without holding more than one line: complete lines inside a
 * chunk are handed out in place (buffer, start, end); only a line that straddles chunks is
 * copied, and a line longer than `maxLineBytes` is refused (or, when the caller tolerates it,
 * skipped without being buffered). LF and CRLF endings; a last line without a newline counts.
 *
 *   const s = new LineSplitter((buf, start, end, lineNo) => …, { maxLineBytes: 1 << 20 });
 *   for await (const chunk of fs.createReadStream(path)) s.push(chunk);
 *   s.end();
 */

/** Default cap on one line: far above any tracepoint line (ftrace caps an event at a page). */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

export type LineHandler = (buf: Uint8Array, start: number, end: number, lineNo: number) => void;

export class LineTooLongError extends Error {
  constructor(
    readonly lineNo: number,
    readonly maxLineBytes: number,
  ) {
    super(`line ${lineNo}: longer than ${maxLineBytes} bytes (not an ftrace event line; is this a trace file?)`);
    this.name = "LineTooLongError";
  }
}

export interface LineSplitterOptions {
  maxLineBytes?: number;
  /** Called instead of throwing for an over-long line (the line is skipped). */
  onTooLong?: (lineNo: number) => void;
}

export class LineSplitter {
  readonly maxLineBytes: number;
  private carry: Buffer = Buffer.alloc(0);
  private carryLen = 0;
  /** Inside an over-long line being skipped. */
  private skipping = false;
  private lineNo = 0;
  /** Bytes consumed so far (for progress). */
  bytes = 0;

  constructor(
    private readonly onLine: LineHandler,
    private readonly opts: LineSplitterOptions = {},
  ) {
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Lines handed out so far. */
  get lines(): number {
    return this.lineNo;
  }

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    let pos = 0;
    const n = chunk.length;
    if (this.skipping || this.carryLen > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.appendCarry(chunk, 0, n);
        return;
      }
      this.appendCarry(chunk, 0, nl);
      this.finishCarried();
      pos = nl + 1;
    }
    const max = this.maxLineBytes;
    for (;;) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      this.lineNo++;
      if (nl - pos > max) this.tooLong();
      else this.onLine(chunk, pos, nl, this.lineNo);
      pos = nl + 1;
    }
    if (pos < n) this.appendCarry(chunk, pos, n);
  }

  /** End of input: a last line without a newline is still a line. */
  end(): void {
    if (this.skipping || this.carryLen > 0) this.finishCarried();
  }

  private appendCarry(chunk: Uint8Array, s: number, e: number): void {
    if (this.skipping) return;
    const len = e - s;
    if (this.carryLen + len > this.maxLineBytes) {
      // Refuse now rather than buffer a runaway line.
      if (this.opts.onTooLong === undefined) throw new LineTooLongError(this.lineNo + 1, this.maxLineBytes);
      this.carryLen = 0;
      this.skipping = true;
      return;
    }
    if (this.carry.length < this.carryLen + len) {
      const grown = Buffer.allocUnsafe(Math.max(this.carryLen + len, this.carry.length * 2, 4096));
      this.carry.copy(grown, 0, 0, this.carryLen);
      this.carry = grown;
    }
    this.carry.set(chunk.subarray(s, e), this.carryLen);
    this.carryLen += len;
  }

  private finishCarried(): void {
    this.lineNo++;
    if (this.skipping) {
      this.skipping = false;
      this.tooLong();
      return;
    }
    const len = this.carryLen;
    this.carryLen = 0;
    this.onLine(this.carry, 0, len, this.lineNo);
  }

  private tooLong(): void {
    if (this.opts.onTooLong === undefined) throw new LineTooLongError(this.lineNo, this.maxLineBytes);
    this.opts.onTooLong(this.lineNo);
  }
}
