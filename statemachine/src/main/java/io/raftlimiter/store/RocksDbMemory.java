package io.raftlimiter.store;

import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * The native memory of a node's bucket stores, shared by all of them: one block cache and one
 * memtable budget, whatever the number of Raft groups the node hosts. Given a cache and a budget
 * each, a store per group made a node's native memory grow with its groups (128 MiB a group:
 * 1.5 GiB at 12 groups, beside the heap), an out-of-memory kill waiting for a container limit.
 * Memtables are charged to the block cache, so {@code cacheBytes} bounds both together.
 *
 * <p>Owned by whoever made it (the node). Each store opened over it holds it until the store
 * closes, so that {@link #close()} frees the native memory only once the last store is closed: a
 * group's state machine may close after the node believes it has shut everything down.
 */
public final class RocksDbMemory implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  /** A node's default: 128 MiB in all, at most 64 MiB of it memtables. */
  public static final long DEFAULT_CACHE_BYTES = 128L << 20;
  public static final long DEFAULT_MEMTABLE_BYTES = 64L << 20;

  private final long memtableBytes;
  private final LRUCache cache;
  private final WriteBufferManager writeBuffers;
  private int stores;
  private boolean closed;
  private boolean freed;

  /**
   * @param cacheBytes the block cache, memtables included
   * @param memtableBytes the memtables of all stores together, at most; a store whose write
   *     would pass it flushes its memtable first
   */
  public RocksDbMemory(long cacheBytes, long memtableBytes) {
    if (cacheBytes < 1 << 20 || memtableBytes < 1 << 20 || memtableBytes > cacheBytes) {
      throw new IllegalArgumentException("need 1 MiB <= memtableBytes <= cacheBytes, got "
          + memtableBytes + " and " + cacheBytes);
    }
    this.memtableBytes = memtableBytes;
    this.cache = new LRUCache(cacheBytes);
    this.writeBuffers = new WriteBufferManager(memtableBytes, cache);
  }

  /** A node's default sizes. */
  public static RocksDbMemory defaults() {
    return new RocksDbMemory(DEFAULT_CACHE_BYTES, DEFAULT_MEMTABLE_BYTES);
  }

  LRUCache cache() {
    return cache;
  }

  WriteBufferManager writeBuffers() {
    return writeBuffers;
  }

  public long memtableBytes() {
    return memtableBytes;
  }

  /** Bytes held in the cache this instant, memtables included. */
  public long usedBytes() {
    return cache.getUsage();
  }

  /** A store opens over this memory; refused once {@link #close()} was called. */
  synchronized void acquire() {
    if (closed) {
      throw new IllegalStateException("the node's RocksDB memory is closed");
    }
    stores++;
  }

  /** A store over this memory closed. */
  synchronized void release() {
    stores--;
    freeIfUnused();
  }

  /** Frees the native memory now, or when the last store over it closes. */
  @Override
  public synchronized void close() {
    closed = true;
    freeIfUnused();
  }

  /** Whether the native memory was freed (closed, and no store over it open). */
  synchronized boolean freed() {
    return freed;
  }

  private void freeIfUnused() {
    if (closed && stores == 0 && !freed) {
      freed = true;
      writeBuffers.close();
      cache.close();
    }
  }
}
