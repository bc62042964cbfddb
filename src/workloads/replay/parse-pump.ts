/**
 * The parsing half of a replay: bytes in, parsed events out. Splits the stream into lines,
 * parses each into one reused TraceRecord and hands every event (not headers or blank lines)
 * to `onEvent`. A malformed line stops it with a ReplayError naming the line, or — lenient —
 * is counted (the first ten messages kept) and skipped. It runs on the replaying thread or in
 * the parse worker (parse-worker.ts); both give the same events, counts and errors.
 *
 *   const pump = new TraceParsePump((rec) => engine.feed(rec), { lenient: false });
 *   pump.push(chunk); …; pump.end();
 */
import { LineSplitter, LineTooLongError } from "./line-splitter.js";
import { TraceLineParser, TraceParseError } from "./parse-line.js";
import { ReplayError } from "./replay-error.js";
import { EV_NONE, TraceRecord } from "./trace-record.js";

export interface ParsePumpOptions {
  /** Count and skip malformed lines instead of stopping at the first. */
  lenient?: boolean;
  maxLineBytes?: number;
}

export interface ParseSummary {
  bytes: number;
  lines: number;
  events: number;
  malformedLines: number;
  firstMalformed: string[];
}

export class TraceParsePump {
  readonly parser = new TraceLineParser();
  private readonly rec = new TraceRecord();
  private readonly splitter: LineSplitter;
  private readonly lenient: boolean;
  /** Events handed out (lines that were not headers, blank or malformed). */
  events = 0;
  malformed = 0;
  readonly firstMalformed: string[] = [];

  constructor(
    private readonly onEvent: (rec: TraceRecord) => void,
    opts: ParsePumpOptions = {},
  ) {
    this.lenient = opts.lenient ?? false;
    this.splitter = new LineSplitter((buf, s, e, lineNo) => this.line(buf, s, e, lineNo), {
      maxLineBytes: opts.maxLineBytes,
      onTooLong: this.lenient ? (lineNo) => this.malformedLine(new LineTooLongError(lineNo, this.splitter.maxLineBytes).message) : undefined,
    });
  }

  /** Bytes consumed so far. */
  get bytes(): number {
    return this.splitter.bytes;
  }

  push(chunk: Uint8Array): void {
    try {
      this.splitter.push(chunk);
    } catch (e) {
      if (e instanceof LineTooLongError) throw new ReplayError(e.lineNo, e.message);
      throw e;
    }
  }

  /** End of input (a last line without a newline is parsed now). */
  end(): void {
    try {
      this.splitter.end();
    } catch (e) {
      if (e instanceof LineTooLongError) throw new ReplayError(e.lineNo, e.message);
      throw e;
    }
  }

  summary(): ParseSummary {
    return { bytes: this.splitter.bytes, lines: this.splitter.lines, events: this.events, malformedLines: this.malformed, firstMalformed: this.firstMalformed };
  }

  private line(buf: Uint8Array, s: number, e: number, lineNo: number): void {
    const rec = this.rec;
    try {
      if (this.parser.parse(buf, s, e, lineNo, rec) === EV_NONE) return;
    } catch (err) {
      if (!(err instanceof TraceParseError)) throw err;
      if (this.lenient) {
        this.malformedLine(err.message);
        return;
      }
      throw new ReplayError(lineNo, err.message);
    }
    this.events++;
    this.onEvent(rec);
  }

  private malformedLine(msg: string): void {
    this.malformed++;
    if (this.firstMalformed.length < 10) this.firstMalformed.push(msg);
  }
}
