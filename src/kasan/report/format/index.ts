/** Report formatters: kernel text (line by line) and JSON. */
export { dumpPageLines, formatPageFlags, type PageDumpInfo, pageFlagsValue, structPageAddress } from "./dump-page.js";
export { type DumpStackRequest, formatSymbol, type ReportFormatEnv, TAINT_BAD_PAGE, taintOf } from "./env.js";
export { formatKasanReportJson, type KasanReportJson, type KasanReportStackJson } from "./json.js";
export { reportCallTrace, reportPathFunctions } from "./report-frames.js";
export { formatKasanReport, objectRelation, type OffsetRelation, printTrack, REPORT_SEPARATOR, stackTraceLines } from "./text.js";
