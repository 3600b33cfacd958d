import { describeSpecMutants } from "./spec-mutants.js";

describeSpecMutants(["kraft.qnt", "zk.qnt"]);
