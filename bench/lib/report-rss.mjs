// Preloaded with `node --import` into a child whose peak RSS a bench reports: at exit, writes
// {"rssMiB": …} as the last line of stderr.
process.on("exit", () => {
  process.stderr.write(JSON.stringify({ rssMiB: process.resourceUsage().maxRSS / 1024 }) + "\n");
});
