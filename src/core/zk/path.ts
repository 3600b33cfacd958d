/**
 * ZooKeeper's path rules (`PathUtils.validatePath`), character for character: UTF-16 code units are checked the way
 * Java checks `char`s, so surrogates and private-use characters are refused exactly as ZooKeeper refuses them.
 */

/** Why a path is invalid, or `undefined` when it is valid. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return "path length must be > 0";
  if (path.charCodeAt(0) !== 0x2f) return "path must start with / character";
  if (path.length === 1) return undefined;
  if (path.charCodeAt(path.length - 1) === 0x2f) return "path must not end with / character";
  let last = 0x2f;
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    const next = i + 1 === path.length ? 0x2f : path.charCodeAt(i + 1);
    if (c === 0) return `null character not allowed @${i}`;
    if (c === 0x2f && last === 0x2f) return `empty node name specified @${i}`;
    if (c === 0x2e && last === 0x2e) {
      if (path.charCodeAt(i - 2) === 0x2f && next === 0x2f) return `relative paths not allowed @${i}`;
    } else if (c === 0x2e) {
      if (last === 0x2f && next === 0x2f) return `relative paths not allowed @${i}`;
    } else if (
      (c > 0 && c <= 0x1f) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      return `invalid character @${i}`;
    }
    last = c;
  }
  return undefined;
}

/** Whether ZooKeeper accepts `path` as a node path. */
export function isValidPath(path: string): boolean {
  return pathProblem(path) === undefined;
}

/**
 * The parent as ZooKeeper computes it (`path.substring(0, lastIndexOf('/'))`): `""` for a child of the root
 * (ZooKeeper keys the root under both `""` and `"/"`), `undefined` when the path has no slash.
 */
export function parentOf(path: string): string | undefined {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? undefined : path.slice(0, slash);
}

/** The last segment of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The parent's path as a watch key: the root's children report their parent as `"/"`. */
export function parentWatchPath(parent: string): string {
  return parent === "" ? "/" : parent;
}

/** `/a/b/c` → `/a/b/c`, `/a/b`, `/a`, `/` (ZooKeeper's `PathParentIterator`). */
export function* pathAndParents(path: string): Generator<string> {
  let current = path;
  yield current;
  while (current.length > 1) {
    const slash = current.lastIndexOf("/");
    current = slash <= 0 ? "/" : current.slice(0, slash);
    yield current;
  }
}

/** The paths ZooKeeper refuses to delete (BADARGUMENTS): the root and the system nodes. */
export const SPECIAL_PATHS: ReadonlySet<string> = new Set(["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"]);
