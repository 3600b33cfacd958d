/** The ITF reader: decodes what quint writes, and refuses anything else with a typed error naming the place. */
import { describe, expect, it } from "vitest";
import { canonical, decodeValue, ItfFormatError, ItfMap, parseItf } from "../../src/adapters/conformance/itf.js";

const trace = (states: unknown[], vars = ["x"]): string => JSON.stringify({ "#meta": {}, vars, states });

describe("ITF reader", () => {
  it("decodes bigints, sets, tuples, maps, records, lists and the --mbt metadata", () => {
    const t = parseItf(trace([
      {
        x: { "#map": [[{ "#bigint": "1" }, { a: [{ "#tup": [true, "s"] }], b: { "#set": [{ "#bigint": "-3" }] } }]] },
        "mbt::actionTaken": "go",
        "mbt::nondetPicks": { i: { tag: "Some", value: { "#bigint": "2" } }, j: { tag: "None", value: { "#tup": [] } } },
      },
    ], ["x", "mbt::actionTaken", "mbt::nondetPicks"]));
    expect(t.vars).toEqual(["x"]);
    const s = t.states[0]!;
    expect(s.action).toBe("go");
    expect(s.picks).toEqual({ i: 2 });
    const m = s.vars.x as ItfMap;
    expect(m).toBeInstanceOf(ItfMap);
    expect(m.get(1)).toEqual({ a: [[true, "s"]], b: [-3] });
    expect(m.get(2)).toBeUndefined();
  });

  it("gives equal canonical text to equal values whatever the key order", () => {
    expect(canonical({ a: 1, b: [2] })).toBe(canonical({ b: [2], a: 1 }));
    expect(canonical(new ItfMap([[1, "x"], [2, "y"]]))).toBe(canonical(new ItfMap([[2, "y"], [1, "x"]])));
    expect(canonical({ a: 1 })).not.toBe(canonical({ a: 2 }));
  });

  it("refuses malformed traces with ItfFormatError naming the place", () => {
    const bad: [string, string][] = [
      ["not json", "not JSON"],
      [JSON.stringify({ vars: ["x"], states: [] }), "states must be a non-empty list"],
      [JSON.stringify({ vars: "x", states: [{}] }), "vars must be a list"],
      [trace([{}]), "state 0: variable x missing"],
      [trace([{ x: { "#bigint": "12x" } }]), "bad #bigint"],
      [trace([{ x: { "#bigint": "123456789012345678901234" } }]), "outside the safe range"],
      [trace([{ x: { "#map": [[1]] } }]), "[key, value] pair"],
      [trace([{ x: null }]), "unexpected null"],
      [trace([{ x: 1.5 }]), "not a safe integer"],
    ];
    for (const [text, message] of bad) {
      let error: unknown;
      try {
        parseItf(text, "t.itf.json");
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(ItfFormatError);
      expect((error as ItfFormatError).code).toBe("ITF_FORMAT");
      expect((error as Error).message, text).toContain(message);
      expect((error as Error).message).toContain("t.itf.json");
    }
    expect(() => decodeValue({ "#unserializable": "x" }, "here")).toThrow(/here: unserializable/);
  });
});
