// Bundles the compiled SDK (dist/tsc, emitted by `tsc -b`) into one ESM file.
// jose stays external: it is the SDK's only dependency and the caller's bundler dedupes it.
export default {
  input: "dist/tsc/index.js",
  external: ["jose"],
  output: { file: "dist/index.js", format: "es", sourcemap: true },
};
