// interpretFrame: what a ZooKeeper 3.8 server makes of any request frame — the one reading of raw and malformed
// frames that the single node and the ensemble replica share (their answers are in test/zk-ensemble/raw-frames and
// the golden transcripts).
import { describe, expect, it } from "vitest";
import { Code, OPEN_ACL_UNSAFE, OpCode } from "../../src/core/zk/index.js";
import type { CreateRequest } from "../../src/core/zk/index.js";
import { encodeRequest, interpretFrame } from "../../src/adapters/zk-wire/protocol.js";

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const create: CreateRequest = { type: "create", opcode: 1, path: "/a", data: new Uint8Array([1]), acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 };

describe("interpretFrame", () => {
  it("keeps an opcode ZooKeeper does not know raw (the serving layer answers UNIMPLEMENTED and closes)", () => {
    for (const opcode of [77, 0, 10, 23, 99, 108, -1, -12]) {
      expect(interpretFrame(opcode, new Uint8Array([1, 2]))).toEqual({ type: "raw", opcode, body: new Uint8Array([1, 2]) });
    }
  });

  it("reads a well-formed reconfig as a reconfig write; any other reconfig body is not served", () => {
    expect(interpretFrame(OpCode.reconfig, hex("ff".repeat(20)))).toEqual({ type: "reconfig" });
    expect(interpretFrame(OpCode.reconfig, encodeRequest({ type: "reconfig" }).body)).toEqual({ type: "reconfig" });
    expect(interpretFrame(OpCode.reconfig, hex("00000001" + "41" + "ffffffff".repeat(2) + "00".repeat(8)))).toEqual({ type: "reconfig" });
    expect(interpretFrame(OpCode.reconfig, hex("ff".repeat(19)))).toMatchObject({ type: "undecodable", reason: "unsupported" });
    expect(interpretFrame(OpCode.reconfig, hex("ff".repeat(21)))).toMatchObject({ type: "undecodable", reason: "unsupported" });
  });

  it("reads create bodies as ZooKeeper does, raw flags kept; a create body that does not parse is a malformed write", () => {
    const { body } = encodeRequest({ ...create, flags: 1000 });
    expect(interpretFrame(OpCode.create, body)).toMatchObject({ type: "create", path: "/a", flags: 1000 });
    expect(interpretFrame(OpCode.create, body.subarray(0, 5))).toEqual({ type: "malformed", code: Code.MARSHALLINGERROR });
  });

  it("decodes an ordinary request as decodeRequest does", () => {
    const req = { type: "setData", path: "/a", data: new Uint8Array([7]), version: 3 } as const;
    expect(interpretFrame(OpCode.setData, encodeRequest(req).body)).toEqual(req);
  });

  it("makes a write whose body does not parse a malformed write, and a read's an unreadable read", () => {
    expect(interpretFrame(OpCode.setData, hex("0000"))).toEqual({ type: "malformed", code: Code.MARSHALLINGERROR });
    expect(interpretFrame(OpCode.delete, hex("7fffffff"))).toEqual({ type: "malformed", code: Code.MARSHALLINGERROR });
    expect(interpretFrame(OpCode.getData, hex("0000"))).toEqual({ type: "unreadable", code: Code.MARSHALLINGERROR });
    expect(interpretFrame(OpCode.getChildren2, hex(""))).toEqual({ type: "unreadable", code: Code.MARSHALLINGERROR });
  });

  it("leaves valid opcodes quorate does not serve as unsupported", () => {
    expect(interpretFrame(OpCode.check, hex("00000002" + "2f61" + "00000000"))).toMatchObject({ type: "undecodable", reason: "unsupported" });
  });

  it("has no encoding for the server's readings of bytes that did not parse", () => {
    expect(() => encodeRequest({ type: "malformed", code: Code.MARSHALLINGERROR })).toThrow(TypeError);
    expect(() => encodeRequest({ type: "unreadable", code: Code.MARSHALLINGERROR })).toThrow(TypeError);
  });
});
