/**
 * Durable storage for the Raft and KRaft cores: one segmented write-ahead log with group commit, two record
 * vocabularies, a file-system interface with a real, an in-memory fault-injecting and a lose-unsynced
 * implementation. See docs/runtime.md.
 * @module
 */
export { StorageError, type StorageErrorCode } from "./errors.js";
export { nodeFileSystem, type AppendHandle, type FileSystem } from "./fs.js";
export { MemoryFileSystem, NoSpaceError, SimulatedCrash, type MemoryFileSystemOptions, type TearMode } from "./mem-fs.js";
export { loseUnsynced, type LoseUnsyncedOptions } from "./lose-unsynced.js";
export { randomSyncDelays, slowSync } from "./slow-sync.js";
export { wrapFileSystem, wrapHandles } from "./wrap-fs.js";
export { WriteAheadLog, type LogPosition, type WalOp, type WalOptions, type WalStats } from "./wal.js";
export type { RecoveredEntry, RecoveredLog } from "./recovery.js";
export type { SnapshotRetention } from "./log-model.js";
export { RaftStorage, toPersistedState, type RaftDurableInput, type RaftStorageOptions } from "./raft-storage.js";
export { KRaftStorage, toKRaftPersistedState, type KRaftPersist, type KRaftPersisted, type KRaftStorageOptions } from "./kraft-storage.js";
