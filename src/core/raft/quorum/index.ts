/** Quorum arithmetic for majority and joint configurations. @module */
export { majorityCommitted, majorityVote, type VoteResult } from "./majority.js";
export { jointCommitted, jointVote } from "./joint.js";
