/**
 * A trace file as a stream of byte chunks, plain or gzip-compressed. Compression is recognised
 * by the gzip magic bytes (1f 8b, RFC 1952), never by the file name, and inflated streaming
 * through node:zlib so a compressed multi-GB trace replays in bounded memory like a plain one.
 *
 *   const src = openTraceSource("data/traces/trace-boot.txt.gz");
 *   for await (const chunk of src.chunks) replay.push(chunk);
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync, type ReadStream } from "node:fs";
import { createGunzip } from "node:zlib";

/** ID1 ID2 of a gzip member header. */
export const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Chunks of 1 MiB read from the file. */
const CHUNK_BYTES = 1 << 20;

export interface TraceSource {
  path: string;
  /** The file starts with the gzip magic bytes: chunks are the inflated text. */
  gzip: boolean;
  /** Size of the file on disk (compressed size for gzip). */
  fileBytes: number;
  /** Bytes of the file read so far (for a progress bar: compare with fileBytes). */
  fileBytesRead(): number;
  /** The trace text, in order. A corrupt or truncated gzip stream rejects with TraceSourceError. */
  chunks: AsyncIterable<Uint8Array>;
}

/** A trace file that cannot be opened or inflated; the message names the file. */
export class TraceSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TraceSourceError";
  }
}

/** Whether `head` starts with the gzip magic bytes. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/** Open `path` for streaming; throws TraceSourceError when it is missing, a directory or unreadable. */
export function openTraceSource(path: string): TraceSource {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new TraceSourceError(`${path}: cannot read the trace (${errnoText(e)})`);
  }
  let gzip: boolean;
  let fileBytes: number;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new TraceSourceError(`${path}: not a regular file`);
    fileBytes = st.size;
    const head = new Uint8Array(2);
    const n = readSync(fd, head, 0, 2, 0);
    gzip = isGzip(head.subarray(0, n));
  } catch (e) {
    if (e instanceof TraceSourceError) throw e;
    throw new TraceSourceError(`${path}: cannot read the trace (${errnoText(e)})`);
  } finally {
    closeSync(fd);
  }
  let stream: ReadStream | undefined;
  const open = (): ReadStream => (stream = createReadStream(path, { highWaterMark: CHUNK_BYTES }));
  return {
    path,
    gzip,
    fileBytes,
    fileBytesRead: () => stream?.bytesRead ?? 0,
    chunks: gzip ? inflate(path, open) : plain(path, open),
  };
}

async function* plain(path: string, open: () => ReadStream): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of open()) yield chunk as Uint8Array;
  } catch (e) {
    throw new TraceSourceError(`${path}: cannot read the trace (${errnoText(e)})`);
  }
}

async function* inflate(path: string, open: () => ReadStream): AsyncGenerator<Uint8Array> {
  const file = open();
  const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  // A read error of the file ends the inflated stream with that error.
  file.on("error", (e) => gunzip.destroy(e));
  file.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && code.startsWith("Z_")) throw new TraceSourceError(`${path}: the gzip data is corrupt or truncated (${(e as Error).message})`);
    throw new TraceSourceError(`${path}: cannot read the trace (${errnoText(e)})`);
  } finally {
    file.destroy();
  }
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "is a directory";
  if (code === "EACCES") return "permission denied";
  return (e as Error).message;
}
