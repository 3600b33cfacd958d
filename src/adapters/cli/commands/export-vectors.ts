import type { CommandRun } from "../main.js";

/** `quorate export-vectors`: not built yet (see the open issues). Exits 2 so nothing mistakes it for success. */
export const run: CommandRun = async () => {
  process.stderr.write("quorate export-vectors: not built yet\n");
  return 2;
};
