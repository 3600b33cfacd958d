import { describeSpecMutants } from "./spec-mutants.js";

describeSpecMutants(["raft.qnt"]);
