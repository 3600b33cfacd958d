// Public entry of src/adapters/simulator. (Filled in by the issue that builds it.)
export {};
