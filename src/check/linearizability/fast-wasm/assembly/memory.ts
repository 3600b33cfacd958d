/**
 * Memory of the WebAssembly fast path: a bump allocator over the module's memory, reset for each file (no
 * runtime, nothing freed), i32 arrays, and the hash finalizers the tables use.
 */

let top: usize = 0;

/** `bytes` of memory, 8-aligned, not cleared; traps when memory cannot grow. */
export function alloc(bytes: usize): usize {
  const p = (top + 7) & ~(<usize>7);
  const end = p + bytes;
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const needed = <i32>((end - have + 0xffff) >>> 16);
    if (memory.grow(max(needed, memory.size())) < 0 && memory.grow(needed) < 0) unreachable();
  }
  top = end;
  return p;
}

/** An array of `n` i32 set to `fill`. */
export function ints(n: i32, fill: i32): usize {
  const p = alloc(<usize>max(n, 1) << 2);
  if (fill == 0) memory.fill(p, 0, <usize>max(n, 1) << 2);
  else for (let i = 0; i < n; i++) store<i32>(p + (<usize>i << 2), fill);
  return p;
}

// @ts-ignore: decorator
@inline export function ld(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline export function st(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}

/** Abort (a failed assertion of the standard library): a trap, which the caller turns into "decline". */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function trap(message: usize, file: usize, line: u32, column: u32): void {
  unreachable();
}

/** The finalizer of `mix32` in values.ts (murmur3's). */
// @ts-ignore: decorator
@inline export function mix32(h: i32): i32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}


/** An array of `from` i32 copied into a new one of `to` (the rest not cleared: the callers write before reading). */
export function copied(p: usize, from: i32, to: i32): usize {
  const q = alloc(<usize>to << 2);
  memory.copy(q, p, <usize>from << 2);
  return q;
}

/** FNV-1a over bytes, finalized. */
export function hashBytes(p: usize, n: i32): i32 {
  let h: i32 = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = (h ^ <i32>load<u8>(p + <usize>i)) * 0x01000193;
  return mix32(h);
}

/** Forgets every allocation: the next `alloc` starts at the heap's base again. */
export function resetMemory(): void {
  top = __heap_base;
}

/** Gives back the memory from `p` on, when `p` is the start of the last allocation. */
export function giveBack(p: usize): void {
  top = p;
}
