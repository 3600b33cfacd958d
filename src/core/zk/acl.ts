/**
 * ACLs as ZooKeeper 3.8 enforces them with its default providers (`ip`, `digest`, plus `world:anyone` and the
 * `auth` pseudo-scheme): validation and expansion on create/setACL (`fixupACL`), permission checks (`checkACL`),
 * digest ids and the `whoAmI` view.
 */
import { sha1, toBase64, utf8 } from "./bytes.js";
import { Code } from "./codes.js";
import type { Acl, AuthId } from "./types.js";
import { OPEN_ACL_UNSAFE } from "./types.js";

/** Java's `String.split(regex)` for a literal separator: trailing empty strings are dropped. */
function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  if (parts.length === 1) return parts;
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** `user:password` → the stored digest id `user:base64(sha1("user:password"))` (ZooKeeper's `generateDigest`). */
export function digestId(userPassword: string): string {
  const user = userPassword.split(":", 1)[0] ?? "";
  return `${user}:${toBase64(sha1(utf8(userPassword)))}`;
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const part of parts) {
    if (!/^\+?\d{1,10}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseIpv6(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  const out: number[] = [];
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    out.push(n >> 8, n & 255);
  }
  return out;
}

function addressBytes(text: string): number[] | undefined {
  return parseIpv4(text) ?? parseIpv6(text);
}

function isValidIpAcl(id: string): boolean {
  const slash = id.indexOf("/");
  const address = addressBytes(slash < 0 ? id : id.slice(0, slash));
  if (address === undefined) return false;
  if (slash < 0) return true;
  const bitsText = id.slice(slash + 1);
  if (!/^[+-]?\d+$/.test(bitsText)) return false;
  const bits = Number(bitsText);
  return bits >= 0 && bits <= address.length * 8;
}

function ipMatches(clientAddress: string, aclId: string): boolean {
  const slash = aclId.indexOf("/");
  const acl = addressBytes(slash < 0 ? aclId : aclId.slice(0, slash));
  const client = addressBytes(clientAddress);
  if (acl === undefined || client === undefined || acl.length !== client.length) return false;
  let bits = acl.length * 8;
  if (slash >= 0) {
    bits = Number(aclId.slice(slash + 1));
    if (!Number.isInteger(bits) || bits < 0 || bits > acl.length * 8) return false;
  }
  for (let i = 0; i < acl.length; i++) {
    const maskBits = Math.max(0, Math.min(8, bits - i * 8));
    const mask = (0xff << (8 - maskBits)) & 0xff;
    if ((acl[i]! & mask) !== (client[i]! & mask)) return false;
  }
  return true;
}

/** Providers registered on a default ZooKeeper 3.8 server. */
const providers: Record<string, { valid(id: string): boolean; authenticated: boolean; matches(auth: string, acl: string): boolean; user(id: string): string }> = {
  ip: { valid: isValidIpAcl, authenticated: false, matches: ipMatches, user: (id) => id },
  digest: {
    valid: (id) => javaSplit(id, ":").length === 2,
    authenticated: true,
    matches: (auth, acl) => auth === acl,
    user: (id) => id.split(":", 1)[0] ?? "",
  },
};

/** Whether `scheme` is an authentication scheme this server accepts for `addAuth` (`digest`, `ip`). */
export function isKnownAuthScheme(scheme: string): boolean {
  return scheme === "digest" || scheme === "ip";
}

/**
 * The id `addAuth(scheme, auth)` adds to a connection, or `undefined` for an unknown scheme (AUTHFAILED):
 * `digest` hashes `user:password`; `ip` ignores `auth` and names the connection's address, as ZooKeeper does.
 */
export function authIdFor(scheme: string, auth: string, clientAddress = "127.0.0.1"): AuthId | undefined {
  if (scheme === "digest") return { scheme, id: digestId(auth) };
  if (scheme === "ip") return { scheme, id: clientAddress };
  return undefined;
}

/** Result of validating an ACL for create/setACL: the stored ACL, or ZooKeeper's INVALIDACL. */
export type FixupResult = { readonly ok: true; readonly acl: readonly Acl[] } | { readonly ok: false; readonly code: number };

/**
 * Validates and expands an ACL like ZooKeeper's `fixupACL`: duplicates removed, empty → INVALIDACL, `world`
 * only as `world:anyone`, `auth` expanded to the session's authenticated ids (INVALIDACL when it has none),
 * other schemes must be known and well formed.
 */
export function fixupAcl(acl: readonly Acl[], auth: readonly AuthId[]): FixupResult {
  if (acl === OPEN_ACL_UNSAFE) return { ok: true, acl }; // the common case, already valid
  const unique: Acl[] = [];
  for (const a of acl) {
    if (!unique.some((u) => u.perms === a.perms && u.scheme === a.scheme && u.id === a.id)) unique.push(a);
  }
  if (unique.length === 0) return { ok: false, code: Code.INVALIDACL };
  const out: Acl[] = [];
  for (const a of unique) {
    if (a.scheme === "world" && a.id === "anyone") {
      out.push(a);
    } else if (a.scheme === "auth") {
      let any = false;
      for (const id of auth) {
        if (providers[id.scheme]?.authenticated === true) {
          any = true;
          out.push({ perms: a.perms, scheme: id.scheme, id: id.id });
        }
      }
      if (!any) return { ok: false, code: Code.INVALIDACL };
    } else {
      const provider = providers[a.scheme];
      if (provider === undefined || !provider.valid(a.id)) return { ok: false, code: Code.INVALIDACL };
      out.push(a);
    }
  }
  return { ok: true, acl: out };
}

/** Whether `auth` holds `perm` on a node with `acl` (ZooKeeper's `checkACL`; an empty ACL allows everything). */
export function aclAllows(acl: readonly Acl[], perm: number, auth: readonly AuthId[]): boolean {
  if (acl.length === 0) return true;
  if (auth.some((id) => id.scheme === "super")) return true;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    if (a.scheme === "world" && a.id === "anyone") return true;
    const provider = providers[a.scheme];
    if (provider === undefined) continue;
    for (const id of auth) {
      if (id.scheme === a.scheme && provider.matches(id.id, a.id)) return true;
    }
  }
  return false;
}

/** `whoAmI`: each authenticated id as `{scheme, user}` (digest ids show only the user name). */
export function clientInfo(auth: readonly AuthId[]): { scheme: string; user: string }[] {
  return auth.map((id) => ({ scheme: id.scheme, user: providers[id.scheme]?.user(id.id) ?? id.id }));
}

/** The ACL shown by getACL to a session without ADMIN: digest ids masked to `user:x`, as ZooKeeper does. */
export function maskDigests(acl: readonly Acl[]): Acl[] {
  return acl.map((a) => (a.scheme === "digest" ? { ...a, id: a.id.replace(/:.*/g, ":x") } : a));
}
