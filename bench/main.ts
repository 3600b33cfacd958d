/** `npm run bench -- SUITE [options]`: runs one benchmark suite (the table is in `suites.ts`; `--help` lists them). */
import { runBench } from "./suites.js";

process.exitCode = await runBench(process.argv.slice(2));
