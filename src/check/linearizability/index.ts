// Public entry of src/check/linearizability. (Filled in by the issue that builds it.)
export {};
