/**
 * Linearizability checking: the Wing & Gong / Lowe search with memoisation and P-compositionality, typed
 * models, history parsers (Jepsen EDN, Jepsen etcd logs, key-value EDN lines, native JSON), text and HTML
 * reports.
 *
 * @example
 * import { linearizability as lin } from "quorate";
 * const history = lin.parseHistory(text, "jepsen-edn", "run.edn");
 * const result = lin.checkLinearizability(history, lin.modelByName("knossos-cas-register", 0), { timeoutMs: 30_000 });
 */
export { checkLinearizability, combineVerdicts, partitionHistory, validateHistory } from "./check.js";
export { LinearizationSearch } from "./search.js";
export type { SearchOutcome } from "./search.js";
export { CacheFullError } from "./cache.js";
export { InvalidHistoryError } from "./types.js";
export type {
  CheckOptions,
  CheckResult,
  FailureInfo,
  History,
  JepsenInput,
  JepsenOutput,
  LinearizationStep,
  Model,
  Operation,
  PartitionResult,
  Value,
  Verdict,
} from "./types.js";
export { hashString, hashValue, mix32, showValue, valueEqual } from "./values.js";
export * from "./models/index.js";
export * from "./formats/index.js";
export { formatReport, summarize, describeOp } from "./report.js";
export { parseManifest } from "./manifest.js";
export { validateOperations } from "./validate.js";
export type { ManifestEntry } from "./manifest.js";
export { checkLinearizabilityParallel } from "./parallel.js";
export type { ParallelOptions } from "./parallel.js";
