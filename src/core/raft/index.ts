// Public entry of src/core/raft. (Filled in by the issue that builds it.)
export {};
