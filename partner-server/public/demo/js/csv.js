// CSV export for the brand console (RFC 4180): fields separated by commas, records by CRLF,
// a field quoted when it holds a comma, a quote, CR or LF, its quotes doubled. Text that a
// spreadsheet would run as a formula (starting with =, +, -, @, a tab or CR: OWASP's "CSV
// injection") is prefixed with ' so it stays text; numbers are written as numbers. The
// file starts with a UTF-8 byte-order mark so spreadsheet apps read Chinese text correctly.
// No DOM here (besides download()), so the rules are unit-tested in Node.

const FORMULA = /^[=+\-@\t\r]/;

/** One field: numbers as they are, text guarded against formulas and quoted when needed. */
export function csvField(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  let text = String(value);
  if (FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV document: a header row then one row per record, CRLF after each. */
export function toCsv(header, rows) {
  return [header, ...rows].map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** Offers `text` as a download named `filename` (a Blob URL: nothing leaves the page). */
export function download(filename, text) {
  const url = URL.createObjectURL(new Blob(["\uFEFF", text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
