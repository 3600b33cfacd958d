/**
 * Membership changes: validating a {@link ConfChange}, computing the configuration it leads to (one-step or
 * joint consensus), and encoding it into a log entry.
 * @module
 */
import type { ConfChange, ConfChangeItem, ConfigState, NodeId } from "./types.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Result of applying a change: the new configuration, or why the change is malformed here. */
export type ConfChangeResult = { ok: true; config: ConfigState } | { ok: false; reason: string };

function isNodeId(x: unknown): x is NodeId {
  return typeof x === "number" && Number.isInteger(x) && x > 0;
}

/** Checks the shape of a change (types, ids, duplicates). Returns an error message, or undefined if well-formed. */
export function validateConfChange(change: unknown): string | undefined {
  if (typeof change !== "object" || change === null) return "a conf change must be an object { changes: [...] }";
  const c = change as Partial<ConfChange>;
  if (!Array.isArray(c.changes)) return "conf change `changes` must be an array (empty to leave a joint configuration)";
  if (c.joint !== undefined && typeof c.joint !== "boolean") return "conf change `joint` must be a boolean";
  if (c.autoLeave !== undefined && typeof c.autoLeave !== "boolean") return "conf change `autoLeave` must be a boolean";
  const seen = new Set<NodeId>();
  for (const item of c.changes as unknown[]) {
    if (typeof item !== "object" || item === null) return "each conf change item must be { type, node }";
    const it = item as Partial<ConfChangeItem>;
    if (it.type !== "add-voter" && it.type !== "remove-node" && it.type !== "add-learner") {
      return `unknown conf change type ${JSON.stringify(it.type)}; use add-voter, remove-node or add-learner`;
    }
    if (!isNodeId(it.node)) return `conf change node must be a positive integer, got ${JSON.stringify(it.node)}`;
    if (seen.has(it.node)) return `node ${it.node} appears twice in one conf change; split it into two changes`;
    seen.add(it.node);
  }
  return undefined;
}

function without(list: readonly NodeId[], id: NodeId): NodeId[] {
  return list.filter((x) => x !== id);
}

function withId(list: readonly NodeId[], id: NodeId): NodeId[] {
  return list.includes(id) ? [...list] : [...list, id];
}

/** Whether a change list alters the voter set by at most one node (a safe one-step change, §4.1). */
function isSimple(config: ConfigState, changes: readonly ConfChangeItem[]): boolean {
  let delta = 0;
  for (const it of changes) {
    const voter = config.voters.includes(it.node);
    if ((it.type === "add-voter") !== voter) delta++;
  }
  return delta <= 1;
}

function applyItems(base: ConfigState, changes: readonly ConfChangeItem[]): ConfigState {
  let voters = [...base.voters];
  let learners = [...base.learners];
  let learnersNext = [...base.learnersNext];
  for (const it of changes) {
    const id = it.node;
    if (it.type === "add-voter") {
      voters = withId(voters, id);
      learners = without(learners, id);
      learnersNext = without(learnersNext, id);
    } else if (it.type === "remove-node") {
      voters = without(voters, id);
      learners = without(learners, id);
      learnersNext = without(learnersNext, id);
    } else {
      voters = without(voters, id);
      // A node still voting in the outgoing half becomes a learner only when the joint configuration is left.
      if (base.votersOutgoing.includes(id)) learnersNext = withId(learnersNext, id);
      else learners = withId(learners, id);
    }
  }
  return { voters, votersOutgoing: base.votersOutgoing, learners, learnersNext, autoLeave: base.autoLeave };
}

/**
 * The configuration after `change`, or why it cannot be applied to `config` (leaving when not joint,
 * entering while joint, removing every voter, a multi-voter change requested as one step).
 */
export function applyConfChange(config: ConfigState, change: ConfChange): ConfChangeResult {
  const invalid = validateConfChange(change);
  if (invalid !== undefined) return { ok: false, reason: invalid };
  const joint = config.votersOutgoing.length > 0;
  if (change.changes.length === 0) {
    if (!joint) return { ok: false, reason: "cannot leave a joint configuration: not in one" };
    const learners = [...config.learners];
    for (const id of config.learnersNext) if (!learners.includes(id)) learners.push(id);
    return { ok: true, config: { voters: config.voters, votersOutgoing: [], learners, learnersNext: [], autoLeave: false } };
  }
  if (joint) return { ok: false, reason: "already in a joint configuration: leave it (changes: []) first" };
  let next: ConfigState;
  if (change.joint === true || !isSimple(config, change.changes)) {
    const entering: ConfigState = { ...config, votersOutgoing: [...config.voters], autoLeave: change.autoLeave ?? true };
    next = applyItems(entering, change.changes);
  } else {
    next = applyItems(config, change.changes);
  }
  if (next.voters.length === 0) return { ok: false, reason: "a configuration needs at least one voter" };
  return { ok: true, config: next };
}

/** Encodes a change as the data of a `conf-change` entry. */
export function encodeConfChange(change: ConfChange): Uint8Array {
  return encoder.encode(JSON.stringify(change));
}

/** Decodes a `conf-change` entry's data; undefined if it is not a well-formed change. */
export function decodeConfChange(data: Uint8Array): ConfChange | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  return validateConfChange(parsed) === undefined ? (parsed as ConfChange) : undefined;
}
