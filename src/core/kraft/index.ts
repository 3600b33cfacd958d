// Public entry of src/core/kraft. (Filled in by the issue that builds it.)
export {};
