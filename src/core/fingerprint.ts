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

  /** Finishes: a 64-bit fingerprint. The hasher may not be used afterwards. */
  digest(): bigint {
    const hi = fmix(this.a ^ this.n) >>> 0;
    const lo = fmix(this.b ^ Math.imul(this.n, 0x27d4eb2d)) >>> 0;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
