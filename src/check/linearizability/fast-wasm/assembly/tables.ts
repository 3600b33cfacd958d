/** Hash tables of the WebAssembly fast path (open addressing, dense ids in insertion order). */
import { alloc, copied, hashBytes, ints, ld, mix32, st } from "./memory";

/** Ids for triples of i32, with one i32 of data per id. */
@unmanaged export class Triples {
  count: i32;
  capacity: i32;
  mask: i32;
  slots: usize;
  a: usize;
  b: usize;
  c: usize;
  data: usize;
  data2: usize;
  /** The slot `find` stopped at (where `add` puts a new triple). */
  slot: i32;

  @inline hash(a: i32, b: i32, c: i32): i32 {
    return mix32(mix32(mix32(a) ^ b) ^ c);
  }

  /** The id of (a, b, c), or -1 (then `add` may follow). */
  find(a: i32, b: i32, c: i32): i32 {
    const mask = this.mask;
    let s = this.hash(a, b, c) & mask;
    while (true) {
      const e = ld(this.slots, s);
      if (e < 0 || (ld(this.a, e) == a && ld(this.b, e) == b && ld(this.c, e) == c)) {
        this.slot = s;
        return e;
      }
      s = (s + 1) & mask;
    }
  }

  /** Adds (a, b, c), not present, right after a `find` of it; its id. */
  add(a: i32, b: i32, c: i32, data: i32): i32 {
    const e = this.count++;
    if (e == this.capacity) this.grow();
    st(this.a, e, a);
    st(this.b, e, b);
    st(this.c, e, c);
    st(this.data, e, data);
    if (this.count * 2 > this.mask + 1) this.rehash();
    else st(this.slots, this.slot, e);
    return e;
  }

  /** Adds (a, b, c) with two i32 of data, as `add`. */
  add2(a: i32, b: i32, c: i32, data: i32, data2: i32): i32 {
    const e = this.add(a, b, c, data);
    st(this.data2, e, data2);
    return e;
  }

  /** The id of (a, b, c), added if new. */
  @inline id(a: i32, b: i32, c: i32): i32 {
    const e = this.find(a, b, c);
    return e >= 0 ? e : this.add(a, b, c, 0);
  }

  grow(): void {
    const capacity = this.capacity * 2;
    this.a = copied(this.a, this.capacity, capacity);
    this.b = copied(this.b, this.capacity, capacity);
    this.c = copied(this.c, this.capacity, capacity);
    this.data = copied(this.data, this.capacity, capacity);
    this.data2 = copied(this.data2, this.capacity, capacity);
    this.capacity = capacity;
  }

  rehash(): void {
    const size = (this.mask + 1) * 2;
    const slots = ints(size, -1);
    const mask = size - 1;
    for (let e = 0; e < this.count; e++) {
      let s = this.hash(ld(this.a, e), ld(this.b, e), ld(this.c, e)) & mask;
      while (ld(slots, s) >= 0) s = (s + 1) & mask;
      st(slots, s, e);
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** Slots of an open-addressing table for `expected` entries: a power of two, at least twice as many, at least 16. */
function slotCountFor(expected: i32): i32 {
  let size = 16;
  while (size < expected * 2) size <<= 1;
  return size;
}

export function newTriples(expected: i32): Triples {
  const t = changetype<Triples>(alloc(offsetof<Triples>()));
  const size = slotCountFor(expected);
  t.count = 0;
  t.capacity = size >> 1;
  t.mask = size - 1;
  t.slots = ints(size, -1);
  t.a = ints(t.capacity, 0);
  t.b = ints(t.capacity, 0);
  t.c = ints(t.capacity, 0);
  t.data = ints(t.capacity, 0);
  t.data2 = ints(t.capacity, 0);
  t.slot = 0;
  return t;
}

/** Ids for byte strings (slices of memory, which must stay as they are), in insertion order. */
@unmanaged export class Texts {
  /** Ids per (hash, length, first bytes): `Triples` finds candidates, `same` confirms. */
  count: i32;
  capacity: i32;
  mask: i32;
  slots: usize;
  ptr: usize;
  len: usize;
  hashes: usize;

  /** The id of the bytes at p..p+n, added if new. */
  id(p: usize, n: i32): i32 {
    const h = hashBytes(p, n);
    const mask = this.mask;
    let s = h & mask;
    while (true) {
      const e = ld(this.slots, s);
      if (e < 0) break;
      if (ld(this.hashes, e) == h && ld(this.len, e) == n && memory.compare(<usize>ld(this.ptr, e), p, n) == 0) return e;
      s = (s + 1) & mask;
    }
    const e = this.count++;
    if (e == this.capacity) {
      const capacity = this.capacity * 2;
      this.ptr = copied(this.ptr, this.capacity, capacity);
      this.len = copied(this.len, this.capacity, capacity);
      this.hashes = copied(this.hashes, this.capacity, capacity);
      this.capacity = capacity;
    }
    st(this.ptr, e, <i32>p);
    st(this.len, e, n);
    st(this.hashes, e, h);
    if (this.count * 2 > mask + 1) {
      const size = (mask + 1) * 2;
      const slots = ints(size, -1);
      for (let i = 0; i < this.count; i++) {
        let t = ld(this.hashes, i) & (size - 1);
        while (ld(slots, t) >= 0) t = (t + 1) & (size - 1);
        st(slots, t, i);
      }
      this.slots = slots;
      this.mask = size - 1;
    } else {
      st(this.slots, s, e);
    }
    return e;
  }
}

export function newTexts(expected: i32): Texts {
  const t = changetype<Texts>(alloc(offsetof<Texts>()));
  const size = slotCountFor(expected);
  t.count = 0;
  t.capacity = size >> 1;
  t.mask = size - 1;
  t.slots = ints(size, -1);
  t.ptr = ints(t.capacity, 0);
  t.len = ints(t.capacity, 0);
  t.hashes = ints(t.capacity, 0);
  return t;
}
