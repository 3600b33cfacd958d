/**
 * A compact set of 64-bit fingerprints with one 64-bit value (the parent's fingerprint) per member: open
 * addressing with linear probing over four `Uint32Array`s (16 bytes a slot, load factor at most 1/2), so ten
 * million states cost about 320 MB at worst and no JavaScript object is allocated per state.
 * @module
 */

const EMPTY_HI = 0;
const EMPTY_LO = 0;

/** A fingerprint split into two unsigned 32-bit halves (0,0 is reserved for "empty" and remapped). */
export interface Fp {
  hi: number;
  lo: number;
}

/** Splits a 64-bit fingerprint into halves; the all-zero fingerprint is remapped to (0, 1). */
export function splitFp(fp: bigint): Fp {
  const hi = Number(fp >> 32n) >>> 0;
  const lo = Number(fp & 0xffffffffn) >>> 0;
  return hi === EMPTY_HI && lo === EMPTY_LO ? { hi: 0, lo: 1 } : { hi, lo };
}

/** Joins two halves back into a 64-bit fingerprint. */
export function joinFp(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** The set; `add` returns false for a member already present. */
export class FingerprintSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private parentHi: Uint32Array;
  private parentLo: Uint32Array;
  private mask: number;
  private count = 0;

  /** `initialCapacity` is rounded up to a power of two; the table doubles when half full. */
  constructor(initialCapacity = 1 << 16) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.parentHi = new Uint32Array(cap);
    this.parentLo = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  /** Number of members. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.hi.byteLength * 4;
  }

  /** Adds `fp` with its parent (the root's parent is itself); false when it was already a member. */
  add(fp: Fp, parent: Fp): boolean {
    if ((this.count + 1) * 2 > this.hi.length) this.grow();
    const slot = this.find(fp.hi, fp.lo);
    if (this.hi[slot] !== EMPTY_HI || this.lo[slot] !== EMPTY_LO) return false;
    this.hi[slot] = fp.hi;
    this.lo[slot] = fp.lo;
    this.parentHi[slot] = parent.hi;
    this.parentLo[slot] = parent.lo;
    this.count++;
    return true;
  }

  /** Whether `fp` is a member. */
  has(fp: Fp): boolean {
    const slot = this.find(fp.hi, fp.lo);
    return this.hi[slot] !== EMPTY_HI || this.lo[slot] !== EMPTY_LO;
  }

  /** The parent recorded for member `fp`, or undefined if it is not a member. */
  parent(fp: Fp): Fp | undefined {
    const slot = this.find(fp.hi, fp.lo);
    if (this.hi[slot] === EMPTY_HI && this.lo[slot] === EMPTY_LO) return undefined;
    return { hi: this.parentHi[slot]!, lo: this.parentLo[slot]! };
  }

  /** The slot holding `hi,lo`, or the empty slot where it would go. */
  private find(hi: number, lo: number): number {
    // The fingerprint is already a good hash: its low bits pick the slot.
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const h = this.hi[slot]!;
      const l = this.lo[slot]!;
      if ((h === hi && l === lo) || (h === EMPTY_HI && l === EMPTY_LO)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const { hi, lo, parentHi, parentLo } = this;
    const cap = hi.length * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.parentHi = new Uint32Array(cap);
    this.parentLo = new Uint32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < hi.length; i++) {
      const h = hi[i]!;
      const l = lo[i]!;
      if (h === EMPTY_HI && l === EMPTY_LO) continue;
      const slot = this.find(h, l);
      this.hi[slot] = h;
      this.lo[slot] = l;
      this.parentHi[slot] = parentHi[i]!;
      this.parentLo[slot] = parentLo[i]!;
    }
  }
}
