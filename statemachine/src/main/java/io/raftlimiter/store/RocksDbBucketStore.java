package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Bucket states in RocksDB: buckets in the default column family keyed by the raw key bytes, the
 * expiry index in an {@code expiry} column family keyed by (slot as 8 big-endian bytes, key), the
 * {@link AppliedMarker} and the expired-below slot in a {@code meta} column family, all written
 * in one atomic batch (the table of recent op outcomes sits there too, saved before a checkpoint). Expired slots are dropped with one range delete, which iterators skip
 * as a whole: the index is read from the first live slot on and never wades through
 * tombstones, as a scan of the buckets themselves would after many deletes.
 *
 * <p>RocksDB's own write-ahead log is off: the Raft log is the write-ahead log, and on restart the
 * state machine rebuilds this database from its latest snapshot and replays the log after it.
 */
public final class RocksDbBucketStore implements BucketStore {
  static {
    RocksDB.loadLibrary();
  }

  private static final byte[] META_CF = "meta".getBytes(java.nio.charset.StandardCharsets.UTF_8);
  private static final byte[] MARKER_KEY = {'m'};
  private static final byte[] EXPIRY_CF = "expiry".getBytes(java.nio.charset.StandardCharsets.UTF_8);
  /** The expiry cursor; stores written before it had a key hold a bare slot here. */
  private static final byte[] EXPIRY_CURSOR_KEY = {'e'};
  private static final byte[] RECENT_OPS_KEY = {'r'};
  private static final byte[] EMPTY = new byte[0];

  private final Path path;
  /** The cache and memtable budget, shared with the node's other stores; or this store's own. */
  private final RocksDbMemory memory;
  private final boolean ownsMemory;
  private final ColumnFamilyOptions columnOptions;
  private final DBOptions dbOptions;
  private final WriteOptions writeOptions;
  private final RocksDB db;
  private final ColumnFamilyHandle bucketsFamily;
  private final ColumnFamilyHandle metaFamily;
  private final ColumnFamilyHandle expiryFamily;
  private volatile AppliedMarker marker;
  private volatile ExpiryCursor expiryCursor;

  private RocksDbBucketStore(Path path, RocksDbMemory memory, boolean ownsMemory)
      throws RocksDBException {
    this.path = path;
    this.memory = memory;
    this.ownsMemory = ownsMemory;
    this.columnOptions = new ColumnFamilyOptions()
        .setTableFormatConfig(new BlockBasedTableConfig()
            .setBlockCache(memory.cache())
            .setFilterPolicy(new BloomFilter(10, false)))
        // Memtables small next to the shared budget, so that a flush soon folds the deletes of
        // swept buckets into level 0 (RocksDB's default is 512 MiB per store).
        .optimizeLevelStyleCompaction(memory.memtableBytes())
        // Every bucket record has the same size, so an update can overwrite the memtable entry
        // in place: a hot key then holds one entry, not one per update, and iterators (the full
        // expiry's reads) do not wade through obsolete versions. Apply is the only writer.
        .setInplaceUpdateSupport(true);
    this.dbOptions = new DBOptions()
        .setCreateIfMissing(true)
        .setCreateMissingColumnFamilies(true)
        .setAllowConcurrentMemtableWrite(false)
        .setWriteBufferManager(memory.writeBuffers())
        .setMaxBackgroundJobs(2);
    this.writeOptions = new WriteOptions().setDisableWAL(true);
    List<ColumnFamilyDescriptor> families = List.of(
        new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, columnOptions),
        new ColumnFamilyDescriptor(META_CF, columnOptions),
        new ColumnFamilyDescriptor(EXPIRY_CF, columnOptions));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    this.db = RocksDB.open(dbOptions, path.toString(), families, handles);
    this.bucketsFamily = handles.get(0);
    this.metaFamily = handles.get(1);
    this.expiryFamily = handles.get(2);
    this.marker = readMarker();
    this.expiryCursor = ExpiryCursor.decode(db.get(metaFamily, EXPIRY_CURSOR_KEY));
  }

  /**
   * Opens (creating if missing) the database in {@code directory}, with a cache and memtable
   * budget of its own ({@link RocksDbMemory#defaults()}), closed with it.
   */
  public static RocksDbBucketStore open(Path directory) throws IOException {
    RocksDbMemory own = RocksDbMemory.defaults();
    try {
      return open(directory, own, true);
    } catch (IOException | RuntimeException e) {
      own.close();
      throw e;
    }
  }

  /**
   * Opens (creating if missing) the database in {@code directory} over {@code shared}, the
   * node's cache and memtable budget, which closing the store leaves open.
   */
  public static RocksDbBucketStore open(Path directory, RocksDbMemory shared) throws IOException {
    return open(directory, shared, false);
  }

  private static RocksDbBucketStore open(Path directory, RocksDbMemory memory, boolean owns)
      throws IOException {
    Files.createDirectories(directory);
    memory.acquire();
    try {
      return new RocksDbBucketStore(directory, memory, owns);
    } catch (RocksDBException e) {
      memory.release();
      throw new IOException("cannot open RocksDB at " + directory + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      memory.release();
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public BucketState get(byte[] key) {
    try {
      byte[] value = db.get(bucketsFamily, key);
      return value == null ? null : BucketStateCodec.decode(value);
    } catch (RocksDBException e) {
      throw new StoreException("read failed", e);
    }
  }

  @Override
  public void commit(WriteSet writes, AppliedMarker newMarker) {
    try (WriteBatch batch = new WriteBatch()) {
      writes.forEach((key, state) -> {
        try {
          if (state == null) {
            batch.delete(bucketsFamily, key);
          } else {
            batch.put(bucketsFamily, key, BucketStateCodec.encode(state));
          }
        } catch (RocksDBException e) {
          throw new StoreException("batch build failed", e);
        }
      });
      writes.forEachDue((key, slot) -> {
        try {
          batch.put(expiryFamily, dueKey(slot, key), EMPTY);
        } catch (RocksDBException e) {
          throw new StoreException("batch build failed", e);
        }
      });
      ExpiryCursor cursor = writes.expiryCursor();
      if (cursor.slot() > expiryCursor.slot()) {
        batch.deleteRange(expiryFamily, slotKey(expiryCursor.slot()), slotKey(cursor.slot()));
      }
      batch.put(metaFamily, MARKER_KEY, encodeMarker(newMarker));
      batch.put(metaFamily, EXPIRY_CURSOR_KEY, cursor.encode());
      db.write(writeOptions, batch);
      marker = newMarker;
      expiryCursor = cursor;
    } catch (RocksDBException e) {
      throw new StoreException("write failed", e);
    }
  }

  @Override
  public AppliedMarker appliedMarker() {
    return marker;
  }

  @Override
  public void forEach(BiConsumer<byte[], BucketState> visitor) {
    try (RocksIterator it = db.newIterator(bucketsFamily)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        visitor.accept(it.key(), BucketStateCodec.decode(it.value()));
      }
    }
  }

  @Override
  public void visitDue(ExpiryCursor after, long toSlot, int limit, DueVisitor visitor) {
    if (after.slot() >= toSlot || limit <= 0) {
      return;
    }
    byte[] start = after.lastKey() == null
        ? slotKey(after.slot()) : dueKey(after.slot(), after.lastKey());
    try (Slice upperBound = new Slice(slotKey(toSlot));
        ReadOptions options = new ReadOptions().setIterateUpperBound(upperBound);
        RocksIterator it = db.newIterator(expiryFamily, options)) {
      it.seek(start);
      if (after.lastKey() != null && it.isValid() && Arrays.equals(it.key(), start)) {
        it.next(); // the cursor's own entry is done
      }
      for (int visited = 0; visited < limit && it.isValid(); visited++, it.next()) {
        byte[] dueKey = it.key();
        visitor.visit(ByteBuffer.wrap(dueKey).getLong(),
            Arrays.copyOfRange(dueKey, Long.BYTES, dueKey.length));
      }
    }
  }

  @Override
  public ExpiryCursor expiryCursor() {
    return expiryCursor;
  }

  private static byte[] slotKey(long slot) {
    return ByteBuffer.allocate(Long.BYTES).putLong(slot).array();
  }

  private static byte[] dueKey(long slot, byte[] key) {
    return ByteBuffer.allocate(Long.BYTES + key.length).putLong(slot).put(key).array();
  }

  @Override
  public long approximateSize() {
    try {
      return db.getLongProperty(bucketsFamily, "rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      return -1;
    }
  }

  @Override
  public void saveRecentOps(byte[] encoded) {
    try {
      db.put(metaFamily, writeOptions, RECENT_OPS_KEY, encoded);
    } catch (RocksDBException e) {
      throw new StoreException("write failed", e);
    }
  }

  @Override
  public byte[] savedRecentOps() {
    try {
      return db.get(metaFamily, RECENT_OPS_KEY);
    } catch (RocksDBException e) {
      throw new StoreException("read failed", e);
    }
  }

  @Override
  public void checkpoint(Path target) throws IOException {
    try (Checkpoint checkpoint = Checkpoint.create(db)) {
      checkpoint.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new IOException("checkpoint to " + target + " failed: " + e.getMessage(), e);
    }
  }

  /** Persists the memtables; used before a clean shutdown since the WAL is off. */
  public void flush() {
    try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
      db.flush(options, List.of(bucketsFamily, metaFamily, expiryFamily));
    } catch (RocksDBException e) {
      throw new UncheckedIOException(new IOException("flush failed: " + e.getMessage(), e));
    }
  }

  @Override
  public void close() {
    bucketsFamily.close();
    metaFamily.close();
    expiryFamily.close();
    db.close();
    writeOptions.close();
    dbOptions.close();
    columnOptions.close();
    memory.release();
    if (ownsMemory) {
      memory.close();
    }
  }

  private AppliedMarker readMarker() throws RocksDBException {
    byte[] bytes = db.get(metaFamily, MARKER_KEY);
    if (bytes == null) {
      return AppliedMarker.NONE;
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return new AppliedMarker(buffer.getLong(), buffer.getLong(), buffer.getLong());
  }

  private static byte[] encodeMarker(AppliedMarker marker) {
    return ByteBuffer.allocate(24)
        .putLong(marker.term()).putLong(marker.index()).putLong(marker.stampNanos()).array();
  }
}
