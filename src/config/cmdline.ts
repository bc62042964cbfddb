/**
 * Kernel command line parsing as a 6.12 kernel does it (kernel/params.c `parse_args` /
 * `next_arg`, init/main.c `do_early_param`, `unknown_bootoption`, `obsolete_checksetup`,
 * `print_unknown_bootoptions`), restricted to the parameters this simulator models.
 *
 * Two passes, like start_kernel():
 *  1. early params (`early_param`): every matching handler runs; a handler error prints
 *     "Malformed early option '<param>'" and leaves the default in place.
 *  2. the main pass: core params (`core_param`, here panic_on_warn) are parsed by type; any
 *     other parameter goes through unknown_bootoption(): a known early param or `__setup`
 *     prefix consumes it, a name containing '.' is an unused module parameter (silently
 *     dropped), the rest become init's argv (bare words) or environment (name=value) and are
 *     listed in "Unknown kernel command line parameters "...", will be passed to user space."
 * Everything after a bare `--` is for init and never reported.
 *
 * Which early params exist depends on the KASAN mode the kernel is built with: parameters of
 * hw_tags.c do not exist in a Generic or SW_TAGS kernel, so there `kasan=off` becomes an init
 * environment variable (reported as unknown) and `kasan.mode=async` an unused module parameter.
 */
import type { KasanMode } from "./mode.js";
import { isKasanMode } from "./mode.js";
import { type BootParams, defaultBootParams, PAGE_ALLOC_SAMPLE_DEFAULT, PAGE_ALLOC_SAMPLE_ORDER_DEFAULT } from "./boot-params.js";
import { INT_MAX, kstrtobool, kstrtoint, kstrtoull, kstrtouint, LONG_MAX } from "./kstrto.js";

export interface CmdlineResult {
  params: BootParams;
  /** Lines the kernel would print while parsing (pr_warn / pr_err / pr_notice text). */
  warnings: string[];
  /** argv and envp init would receive from the command line (after the defaults). */
  initArgs: string[];
  initEnv: string[];
}

/** A handler returns 0 on success or a negative errno, like the kernel's setup functions. */
type EarlyHandler = (p: BootParams, val: string | undefined) => number;
const EINVAL = -22;
const ERANGE = -34;

function onOff(val: string | undefined): boolean | undefined {
  if (val === "off") return false;
  if (val === "on") return true;
  return undefined;
}

/** early_param("kasan", …) and friends in mm/kasan/hw_tags.c. */
const HW_TAGS_EARLY: Record<string, EarlyHandler> = {
  kasan: (p, v) => {
    const b = onOff(v);
    if (b === undefined) return EINVAL;
    p.kasan = b;
    return 0;
  },
  "kasan.mode": (p, v) => {
    if (v === "sync" || v === "async" || v === "asymm") {
      p.kasanMode = v;
      return 0;
    }
    return EINVAL;
  },
  "kasan.vmalloc": (p, v) => {
    const b = onOff(v);
    if (b === undefined) return EINVAL;
    p.kasanVmalloc = b;
    return 0;
  },
  "kasan.page_alloc.sample": (p, v) => {
    if (v === undefined) return EINVAL;
    const n = kstrtoull(v);
    if (n === undefined) return EINVAL;
    // Zero or > LONG_MAX: the handler resets the default and fails.
    if (n === 0n || n > LONG_MAX) {
      p.kasanPageAllocSample = PAGE_ALLOC_SAMPLE_DEFAULT;
      return EINVAL;
    }
    p.kasanPageAllocSample = Number(n);
    return 0;
  },
  "kasan.page_alloc.sample.order": (p, v) => {
    if (v === undefined) return EINVAL;
    const n = kstrtouint(v);
    if (n === undefined) return EINVAL;
    if (BigInt(n) > INT_MAX) {
      p.kasanPageAllocSampleOrder = PAGE_ALLOC_SAMPLE_ORDER_DEFAULT;
      return EINVAL;
    }
    p.kasanPageAllocSampleOrder = n;
    return 0;
  },
};

/** early_param("kasan.stacktrace"/"kasan.stack_ring_size") in mm/kasan/tags.c (both tag modes). */
const TAGS_EARLY: Record<string, EarlyHandler> = {
  "kasan.stacktrace": (p, v) => {
    const b = onOff(v);
    if (b === undefined) return EINVAL;
    p.kasanStacktrace = b;
    return 0;
  },
  "kasan.stack_ring_size": (p, v) => {
    if (v === undefined) return EINVAL;
    const n = kstrtoull(v);
    if (n === undefined) return ERANGE;
    p.kasanStackRingSize = Number(n);
    return 0;
  },
};

/** early_param("kasan.fault") in mm/kasan/report.c (every KASAN mode). */
const REPORT_EARLY: Record<string, EarlyHandler> = {
  "kasan.fault": (p, v) => {
    if (v === "report" || v === "panic" || v === "panic_on_write") {
      p.kasanFault = v;
      return 0;
    }
    return EINVAL;
  },
};

/** Early params present in every kernel: mm/mm_init.c and lib/stackdepot.c. */
const COMMON_EARLY: Record<string, EarlyHandler> = {
  init_on_alloc: (p, v) => {
    const b = kstrtobool(v);
    if (b === undefined) return EINVAL;
    p.initOnAlloc = b;
    return 0;
  },
  init_on_free: (p, v) => {
    const b = kstrtobool(v);
    if (b === undefined) return EINVAL;
    p.initOnFree = b;
    return 0;
  },
  stack_depot_disable: (p, v) => {
    const b = kstrtobool(v);
    if (b === undefined) return EINVAL;
    p.stackDepotDisable = b;
    return 0;
  },
};

/** Non-early `__setup` handlers (matched by prefix; return non-zero when they consumed it). */
type SetupHandler = (p: BootParams, rest: string) => number;
const REPORT_SETUP: Record<string, SetupHandler> = {
  // kasan_set_multi_shot() ignores its argument and always claims the option.
  kasan_multi_shot: (p) => {
    p.kasanMultiShot = true;
    return 1;
  },
};

/** Core params (kernel_param table) parsed by type in parse_one(). */
const CORE_PARAMS: Record<string, (p: BootParams, v: string | undefined) => number> = {
  panic_on_warn: (p, v) => {
    if (v === undefined) return EINVAL; // int params need a value (no KERNEL_PARAM_OPS_FL_NOARG)
    const n = kstrtoint(v);
    if (n === undefined) return EINVAL;
    p.panicOnWarn = n;
    return 0;
  },
};

/**
 * Well-known kernel parameters the simulator does not model; handled by their own __setup /
 * early_param / core_param in a real kernel, so they are accepted without a warning here.
 */
const KNOWN_UNMODELLED = new Set([
  "console", "earlycon", "earlyprintk", "root", "rootfstype", "rootflags", "rootwait", "rw", "ro",
  "init", "rdinit", "loglevel", "quiet", "debug", "ignore_loglevel", "mem", "maxcpus", "nr_cpus",
  "nosmp", "panic", "oops", "slub_debug", "slab_debug", "page_owner", "cma", "swiotlb",
  "crashkernel", "no_hash_pointers",
]);

function earlyTable(mode: KasanMode): Record<string, EarlyHandler> {
  switch (mode) {
    case "hw_tags":
      return { ...HW_TAGS_EARLY, ...TAGS_EARLY, ...REPORT_EARLY, ...COMMON_EARLY };
    case "sw_tags":
      return { ...TAGS_EARLY, ...REPORT_EARLY, ...COMMON_EARLY };
    case "generic":
      return { ...REPORT_EARLY, ...COMMON_EARLY };
    case "off":
      return { ...COMMON_EARLY };
  }
}

function setupTable(mode: KasanMode): Record<string, SetupHandler> {
  return mode === "off" ? {} : { ...REPORT_SETUP };
}

/** parameq(): '-' and '_' compare equal. */
function dashToUnderscore(s: string): string {
  return s.replace(/-/g, "_");
}

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\v" || c === "\f";
}

function skipSpaces(s: string, i: number): number {
  while (i < s.length && isSpace(s[i])) i++;
  return i;
}

export interface CmdlineToken {
  param: string;
  val: string | undefined;
}

/** next_arg(): one `param[=val]`, honouring double quotes; returns it and the next position. */
function nextArg(s: string, pos: number): { tok: CmdlineToken; next: number } {
  let start = pos;
  let inQuote = false;
  let quoted = false;
  if (s[start] === '"') {
    start++;
    inQuote = true;
    quoted = true;
  }
  let equals = 0; // relative index of the first '='; 0 means none, as in the kernel
  let i = 0;
  for (; start + i < s.length; i++) {
    const c = s[start + i];
    if (isSpace(c) && !inQuote) break;
    if (equals === 0 && c === "=") equals = i;
    if (c === '"') inQuote = !inQuote;
  }
  const end = start + i;
  // The character before `end` is cut when the whole argument started with a quote.
  const cutLast = quoted && i > 0 && s[end - 1] === '"';
  let tok: CmdlineToken;
  if (equals === 0) {
    tok = { param: s.slice(start, cutLast ? end - 1 : end), val: undefined };
  } else {
    let vStart = start + equals + 1;
    let vEnd = end;
    if (s[vStart] === '"') {
      vStart++;
      if (s[end - 1] === '"') vEnd = end - 1;
    }
    if (cutLast) vEnd = Math.min(vEnd, end - 1);
    tok = { param: s.slice(start, start + equals), val: s.slice(vStart, Math.max(vStart, vEnd)) };
  }
  const next = end < s.length ? end + 1 : end;
  return { tok, next: skipSpaces(s, next) };
}

/** Split a command line into tokens (before `--`) and init's arguments after it. */
export function tokenizeCmdline(cmdline: string): { tokens: CmdlineToken[]; afterDashes: CmdlineToken[] } {
  const tokens: CmdlineToken[] = [];
  const afterDashes: CmdlineToken[] = [];
  let pos = skipSpaces(cmdline, 0);
  let target = tokens;
  while (pos < cmdline.length) {
    const { tok, next } = nextArg(cmdline, pos);
    pos = next;
    if (target === tokens && tok.val === undefined && tok.param === "--") {
      target = afterDashes;
      continue;
    }
    target.push(tok);
  }
  return { tokens, afterDashes };
}

/**
 * Parse `cmdline` for a kernel built with KASAN `mode`. Bad values keep the kernel's default
 * (or the handler's fallback) and add the message the kernel prints.
 */
export function parseCmdline(mode: KasanMode, cmdline: string): CmdlineResult {
  if (!isKasanMode(mode)) throw new Error(`parseCmdline: mode must be one of generic, sw_tags, hw_tags, off; got ${String(mode)}`);
  if (typeof cmdline !== "string") throw new Error(`parseCmdline: cmdline must be a string, got ${typeof cmdline}`);
  const params = defaultBootParams();
  const warnings: string[] = [];
  const early = earlyTable(mode);
  const setup = setupTable(mode);
  const earlyNames = Object.keys(early);
  const { tokens, afterDashes } = tokenizeCmdline(cmdline);

  // Pass 1: parse_early_param() → do_early_param().
  for (const t of tokens) {
    const name = dashToUnderscore(t.param);
    for (const e of earlyNames) {
      if (dashToUnderscore(e) !== name) continue;
      if (early[e](params, t.val) !== 0) warnings.push(`Malformed early option '${t.param}'`);
    }
  }

  // Pass 2: parse_args("Booting kernel", …, unknown_bootoption).
  const argv = ["init"];
  const envp = ["HOME=/", "TERM=linux"];
  for (const t of tokens) {
    const name = dashToUnderscore(t.param);
    const core = CORE_PARAMS[name];
    if (core !== undefined) {
      if (core(params, t.val) !== 0) warnings.push(`Booting kernel: \`${t.val ?? ""}' invalid for parameter \`${t.param}'`);
      continue;
    }
    const line = t.val === undefined ? t.param : `${t.param}=${t.val}`; // repair_env_string()
    if (obsoleteChecksetup(line, earlyNames, setup, params)) continue;
    if (t.param.includes(".")) continue; // unused module parameter
    if (KNOWN_UNMODELLED.has(name)) continue;
    if (t.val !== undefined) {
      const prefix = `${t.param}=`;
      const idx = envp.findIndex((e) => e.startsWith(prefix));
      if (idx >= 0) envp[idx] = line;
      else envp.push(line);
    } else {
      argv.push(line);
    }
  }
  const unknown = [...argv.slice(1), ...envp.slice(2)];
  if (unknown.length > 0) {
    warnings.push(`Unknown kernel command line parameters "${unknown.join(" ")}", will be passed to user space.`);
  }
  for (const t of afterDashes) argv.push(t.val === undefined ? t.param : `${t.param}=${t.val}`);
  return { params, warnings, initArgs: argv.slice(1), initEnv: envp.slice(2) };
}

/** obsolete_checksetup(): prefix match against __setup strings; early params only claim exact names. */
function obsoleteChecksetup(line: string, earlyNames: string[], setup: Record<string, SetupHandler>, p: BootParams): boolean {
  const l = dashToUnderscore(line);
  let hadEarly = false;
  for (const e of earlyNames) {
    const s = dashToUnderscore(e);
    if (l.startsWith(s) && (l.length === s.length || l[s.length] === "=")) hadEarly = true;
  }
  for (const [s, fn] of Object.entries(setup)) {
    if (l.startsWith(dashToUnderscore(s)) && fn(p, line.slice(s.length)) !== 0) return true;
  }
  return hadEarly;
}
