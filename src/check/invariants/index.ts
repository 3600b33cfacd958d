// Public entry of src/check/invariants. (Filled in by the issue that builds it.)
export {};
