// Progress lines go to standard error; standard output carries only the results table.

/** Logs a progress line. */
export const log = (...parts) => console.error("bench:", ...parts);
