// Public entry of src/core/zk. (Filled in by the issue that builds it.)
export {};
