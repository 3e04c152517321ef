// Runs before every test file (vitest's `setupFiles`). Its `afterAll` is registered before the
// file's own, and vitest runs `afterAll` hooks in the reverse order (its default
// `sequence.hooks: "stack"`), so it runs after them: the file's servers have stopped when its
// temporary folders are removed.
import { afterAll } from "vitest";
import { removeTempDirs } from "./temp.js";

afterAll(removeTempDirs);
