// Public entry of src/core/metadata. (Filled in by the issue that builds it.)
export {};
