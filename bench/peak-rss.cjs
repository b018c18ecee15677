// Preloaded by benchmarks into a child process: prints its peak resident memory when it exits.
process.on('exit', () => {
  process.stderr.write(`peak-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
