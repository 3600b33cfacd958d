// The typed-error helper the metadata tests share.
import { MetadataError } from "../../src/core/metadata/index.js";

/** The `MetadataError` code `f` throws, or "no error"; any other exception is rethrown. */
export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof MetadataError) return e.code;
    throw e;
  }
  return "no error";
}
