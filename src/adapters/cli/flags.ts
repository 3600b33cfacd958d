/**
 * Declarative command lines: each command states its flags once, in a table that also says which of the
 * command's modes each flag goes with. Parsing refuses unknown flags, flags given twice and flags that do not
 * apply to the mode chosen (`check --manifest M --html F`), so no flag is ever silently ignored.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./exit-codes.js";

/** One flag of a command. */
export interface FlagSpec<Mode extends string = string> {
  /** A string flag takes a value (`--seed 7`); a boolean one does not (`--json`). */
  readonly type: "string" | "boolean";
  /** One-letter alias (`-h`). */
  readonly short?: string;
  /** The modes the flag applies to; absent: every mode. */
  readonly modes?: readonly Mode[];
}

/** A command's flags by long name (without the dashes). */
export type FlagTable<Mode extends string = string> = Readonly<Record<string, FlagSpec<Mode>>>;

/** The parsed values: a string or boolean per flag given, `undefined` for a flag not given. */
export type FlagValues<T extends FlagTable> = { -readonly [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : string };

/** A parsed command line. */
export interface CommandLine<T extends FlagTable> {
  readonly values: FlagValues<T>;
  readonly positionals: readonly string[];
}

/** How a command's modes are told apart and named in messages. */
export interface ModeRules<T extends FlagTable, Mode extends string> {
  /** The mode the given flags and positionals select. */
  readonly select: (line: CommandLine<T>) => Mode;
  /** Each mode in words, as in "--html does not apply to <a manifest run>". */
  readonly describe: Readonly<Record<Mode, string>>;
}

/**
 * Parses `argv` against `table`.
 * @throws UsageError for an unknown flag, a missing value, a flag given twice, positionals where none are taken.
 */
export function parseCommandLine<T extends FlagTable>(table: T, argv: readonly string[], options: { readonly positionals: boolean }): CommandLine<T> {
  const config: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [name, spec] of Object.entries(table)) config[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: options.positionals, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option") continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once`);
    seen.add(token.name);
  }
  return { values: parsed.values as FlagValues<T>, positionals: parsed.positionals };
}

/**
 * The mode the command line selects, after refusing every given flag that does not apply to it.
 * @throws UsageError naming the flag, the mode and the modes the flag does apply to.
 */
export function selectMode<T extends FlagTable<Mode>, Mode extends string>(table: T, line: CommandLine<T>, rules: ModeRules<T, Mode>): Mode {
  const mode = rules.select(line);
  for (const [name, spec] of Object.entries(table)) {
    if (line.values[name] === undefined || spec.modes === undefined || spec.modes.includes(mode)) continue;
    const where = spec.modes.map((m) => rules.describe[m]).join(" or ");
    throw new UsageError(`--${name} does not apply to ${rules.describe[mode]} (only to ${where})`);
  }
  return mode;
}
