// The command line of `npm run bench`, read once: `--quick` (1 repeat, 1 s loads) and
// `--only a,b` (or `--only=a,b`), and the load settings they imply.

/** Parses `argv` (without node and the script). */
export function parseBenchArgs(argv) {
  const quick = argv.includes("--quick");
  const onlyArg = argv.find((arg) => arg.startsWith("--only"));
  const only = onlyArg ? (onlyArg.includes("=") ? onlyArg.split("=")[1] : argv[argv.indexOf(onlyArg) + 1]).split(",") : undefined;
  return { quick, only, REPEATS: quick ? 1 : 3, SECONDS: quick ? 1 : 10, CONNECTIONS: 50 };
}

/** This run's settings. */
export const { quick, only, REPEATS, SECONDS, CONNECTIONS } = parseBenchArgs(process.argv.slice(2));
