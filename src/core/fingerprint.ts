/**
 * A small streaming 64-bit hasher for `fingerprint(state)`: two independent 32-bit lanes (multiply-xorshift
 * mixing, murmur3's finaliser at the end), fed with integers, strings and bytes in a canonical order chosen
 * by each core. Not cryptographic: it only has to make accidental collisions negligible for the tens of
 * millions of states an exhaustive exploration visits (2^-64 per pair).
 * @module
 */

/** Accumulates values into a 64-bit fingerprint. Feed fields in a fixed order; `digest()` ends it. */
export class Hasher {
  private a = 0x9e3779b9 | 0;
  private b = 0x85ebca6b | 0;
  private n = 0;

  /** Adds a 32-bit integer (higher bits of larger integers are folded in by `num`). */
  int(x: number): this {
    const v = x | 0;
    this.a = Math.imul((this.a ^ v) | 0, 0x01000193);
    this.a ^= this.a >>> 15;
    this.b = Math.imul((this.b + v) | 0, 0x5bd1e995);
    this.b ^= this.b >>> 13;
    this.n++;
    return this;
  }

  /** Adds any finite number exactly (integers up to 2^53, fractions through their float bits). */
  num(x: number): this {
    if (Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER) {
      return this.int(x).int(Math.floor(x / 0x100000000));
    }
    const f = new Float64Array([x]);
    const w = new Int32Array(f.buffer);
    return this.int(0x7ff00001).int(w[0]!).int(w[1]!);
  }

  /** Adds a boolean. */
  bool(x: boolean): this {
    return this.int(x ? 1 : 2);
  }

  /** Adds a string, length first so that ("ab","c") and ("a","bc") differ. */
  str(s: string): this {
    this.int(s.length);
    for (let i = 0; i < s.length; i++) this.int(s.charCodeAt(i));
    return this;
  }

  /** Adds bytes, length first. */
  bytes(u: Uint8Array): this {
    this.int(u.length);
    for (let i = 0; i < u.length; i++) this.int(u[i]!);
    return this;
  }

  /**
   * Adds any plain-data value canonically, tagged by kind: numbers, strings, booleans, null/undefined, bigints,
   * byte arrays, arrays (in order), plain objects (keys sorted; undefined-valued keys skipped, so an absent
   * optional field equals an undefined one), Maps and Sets (entries sorted by key, numbers before strings, so
   * insertion order does not count). For the parts of a state with no hand-written hasher; slower than
   * feeding fields directly.
   */
  value(x: unknown): this {
    if (x === null || x === undefined) return this.int(x === null ? 11 : 12);
    switch (typeof x) {
      case "number":
        return this.int(13).num(x);
      case "string":
        return this.int(14).str(x);
      case "boolean":
        return this.int(15).bool(x);
      case "bigint":
        return this.int(16).str(x.toString());
      case "object":
        break;
      default:
        throw new TypeError(`cannot fingerprint a ${typeof x}: core state holds data only`);
    }
    if (x instanceof Uint8Array) return this.int(17).bytes(x);
    if (Array.isArray(x)) {
      this.int(18).int(x.length);
      for (const v of x) this.value(v);
      return this;
    }
    if (x instanceof Map) {
      this.int(19).int(x.size);
      for (const [k, v] of sortedByKey([...x])) this.value(k).value(v);
      return this;
    }
    if (x instanceof Set) {
      this.int(20).int(x.size);
      for (const [k] of sortedByKey([...x].map((k) => [k, k] as [unknown, unknown]))) this.value(k);
      return this;
    }
    const keys = Object.keys(x).filter((k) => (x as Record<string, unknown>)[k] !== undefined).sort();
    this.int(21).int(keys.length);
    for (const k of keys) this.str(k).value((x as Record<string, unknown>)[k]);
    return this;
  }

  /** Finishes: a 64-bit fingerprint. The hasher may not be used afterwards. */
  digest(): bigint {
    const hi = fmix(this.a ^ this.n) >>> 0;
    const lo = fmix(this.b ^ Math.imul(this.n, 0x27d4eb2d)) >>> 0;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
}

/** Entries ordered by key: numbers ascending, then strings; other keys keep their order after those. */
function sortedByKey<V>(entries: [unknown, V][]): [unknown, V][] {
  const rank = (k: unknown): number => (typeof k === "number" ? 0 : typeof k === "string" ? 1 : 2);
  return entries.sort((a, b) => {
    const ra = rank(a[0]);
    const rb = rank(b[0]);
    if (ra !== rb || ra === 2) return ra - rb;
    return (a[0] as number | string) < (b[0] as number | string) ? -1 : (a[0] as number | string) > (b[0] as number | string) ? 1 : 0;
  });
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
