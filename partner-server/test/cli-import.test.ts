/**
 * `cli.ts` is a module like any other: importing it runs nothing (the executable is
 * `bin.ts`), and `main` answers an exit code instead of exiting.
 */

import { describe, expect, it, vi } from "vitest";

describe("cli.ts", () => {
  it("imports without running a command or exiting", async () => {
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const { main } = await import("../src/cli.js");
      expect(exit).not.toHaveBeenCalled();
      expect(write).not.toHaveBeenCalled();
      expect(await main(["--version"])).toBe(0);
      expect(String(write.mock.calls[0]?.[0])).toMatch(/^\d+\.\d+\.\d+\n$/);
      expect(exit).not.toHaveBeenCalled();
    } finally {
      exit.mockRestore();
      write.mockRestore();
    }
  });
});
