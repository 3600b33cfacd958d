// The --html page: self-contained, and its script really draws one bar per op and one point per step.
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { checkLinearizability, register } from "../../src/check/linearizability/index.js";
import { renderHtml } from "../../src/check/linearizability/html.js";
import { info, ok } from "./helpers.js";

interface FakeNode {
  tag: string;
  attrs: Record<string, unknown>;
  children: FakeNode[];
  textContent: string;
  innerHTML: string;
  className: string;
  style: Record<string, string>;
  classList: { add(c: string): void; remove(c: string): void };
  setAttribute(k: string, v: unknown): void;
  appendChild(c: FakeNode): FakeNode;
  addEventListener(): void;
}

/** Just enough DOM for the page's script, recording what it builds. */
function fakeDocument(): { document: unknown; all: FakeNode[] } {
  const all: FakeNode[] = [];
  const make = (tag: string): FakeNode => {
    const node: FakeNode = {
      tag,
      attrs: {},
      children: [],
      textContent: "",
      innerHTML: "",
      className: "",
      style: {},
      classList: { add() {}, remove() {} },
      setAttribute(k, v) {
        node.attrs[k] = v;
      },
      appendChild(c) {
        node.children.push(c);
        return c;
      },
      addEventListener() {},
    };
    all.push(node);
    return node;
  };
  const byId = new Map<string, FakeNode>();
  const document = {
    getElementById: (id: string) => byId.get(id) ?? byId.set(id, make(`#${id}`)).get(id),
    createElement: make,
    createElementNS: (_ns: string, tag: string) => make(tag),
  };
  return { document, all };
}

function runPage(html: string): FakeNode[] {
  const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
  const { document, all } = fakeDocument();
  runInNewContext(script, { document, Map, Set, Math, Number, String, Infinity });
  return all;
}

describe("renderHtml", () => {
  it("draws a failing history: a bar per op, a numbered point per prefix step, the stuck op in red", () => {
    const h = [ok(0, "write", 1, 1, 0, 1), ok(1, "write", 2, 2, 2, 3), ok(2, "read", null, 1, 4, 5), info(3, "write", 7, 1)];
    const model = register();
    const result = checkLinearizability(h, model);
    const html = renderHtml(result, model, { title: "t<1>" });
    expect(html).toContain("quorate check — t&lt;1&gt;");
    expect(html).not.toMatch(/<script src=|<link |https?:\/\/(?!www\.w3\.org)/);
    const nodes = runPage(html);
    const rects = nodes.filter((n) => n.tag === "rect" && n.attrs["class"] === "bar");
    expect(rects).toHaveLength(4);
    expect(rects.filter((r) => r.attrs["fill"] === "#e5534b")).toHaveLength(1);
    // The stuck op (the read of 1 after 2 was written) is named beside its bar.
    expect(nodes.filter((n) => n.tag === "text").map((n) => n.textContent)).toContain("✗ read → 1");
    // One lane name per process.
    expect(nodes.filter((n) => n.tag === "text" && n.attrs["class"] === "proc").map((n) => n.textContent)).toEqual(["p 0", "p 1", "p 2", "p 3"]);
    expect(nodes.filter((n) => n.tag === "circle")).toHaveLength(result.partitions[0]!.failure!.longestPrefix.length);
    expect(nodes.filter((n) => n.tag === "tr").map((n) => n.innerHTML).join("\n")).toMatch(/write 2<\/td><td>2/);
  });

  it("draws a full linearization for a linearizable history", () => {
    const h = [ok(0, "write", 1, 1, 0, 10), ok(1, "read", null, 1, 1, 12), ok(2, "read", null, null, 0, 3)];
    const model = register();
    const nodes = runPage(renderHtml(checkLinearizability(h, model), model));
    expect(nodes.filter((n) => n.tag === "circle")).toHaveLength(3);
    expect(nodes.filter((n) => n.tag === "polyline")).toHaveLength(1);
  });
});
