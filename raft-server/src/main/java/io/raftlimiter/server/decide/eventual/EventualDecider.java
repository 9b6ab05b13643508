package io.raftlimiter.server.decide.eventual;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.entry.OpKind;
import io.raftlimiter.server.data.GroupRouter;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.decide.Decider;
import io.raftlimiter.server.decide.LocalDecision;
import io.raftlimiter.server.runtime.DaemonThreads;
import io.raftlimiter.server.runtime.NodeMetrics;
import io.raftlimiter.statemachine.RecentOps;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EVENTUAL decisions: made at once from this node's {@link LocalBucketView} of the key, with no hop
 * and no log write on the request path. The hits admitted here are summed per key and charged to
 * the owning group ({@link OpKind#CHARGE}, through its log) by one sync at a time, started
 * {@code syncInterval} after a key was first used since the last sync, or as soon as
 * {@code maxKeysPerSync} keys are waiting; each charge's reply brings the bucket's state back
 * into the view. A sync hands each group its charges together: by default as one charge batch, a
 * log entry of its own under one id ({@link LogEntry#chargeBatch}, {@link GroupRouter#propose}),
 * about 12 bytes and a key per charge and one remembered id per batch; with
 * {@code eventual.charge-batches=false}, as ops of their own, each under its own id, joined to the
 * group's commit ({@link GroupRouter#submitAll}), which builds before charge batches can read.
 * Nothing is scheduled while no key is used: an idle node's sync thread sleeps.
 *
 * <p>Hits are never dropped while the node lives, and never charged twice. A charge goes under an
 * id (its batch's, or its own): one refused before anything was taken (shed, out of time) is owed
 * again and goes with the next sync; one whose outcome is unknown (an answer lost, a leader gone)
 * is sent again as it was, under the same id, so that its group applies it at most once
 * ({@code RecentOps}). Only a charge still unanswered after {@link #RESEND_WITHIN_NANOS} is
 * charged anew, which may take its hits twice: under-admission. Each group is synced on its own:
 * while a group's charges are out, or its batches wait to be sent again, its keys wait for the
 * next sync, and the other groups go on.
 *
 * <p>How far the cluster can over-admit follows from this (docs/DESIGN.md derives it): a node
 * spends at most what its view holds, and a view is at most one sync period old.
 */
public final class EventualDecider implements Decider, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventualDecider.class);

  private final GroupRouter router;
  private final boolean chargeBatches;
  private final long syncIntervalNanos;
  private final int maxKeysPerSync;
  private final long idleNanos;
  private final long maxStalenessNanos;
  private final int maxViews;
  private final long maxViewBytes;
  /** What the views take, as {@link #viewBytes(ByteBuffer)} counts it. */
  private final AtomicLong viewBytes = new AtomicLong();
  private final AtomicBoolean evictionQueued = new AtomicBoolean();
  private final CounterDataPoint overflowed;
  /**
   * How long a charge of unknown outcome is sent again under its id: well inside the window in
   * which its group remembers the id ({@link RecentOps#WINDOW_NANOS}).
   */
  static final long RESEND_WITHIN_NANOS = RecentOps.WINDOW_NANOS / 2;
  /** A view's objects besides its key: map entry, buffer, view, bucket state (measured ~190). */
  static final int VIEW_OVERHEAD_BYTES = 200;

  private final ConcurrentHashMap<ByteBuffer, LocalBucketView> views = new ConcurrentHashMap<>();
  /** Keys used since their last sync: the next sync looks at these only. */
  private final Set<ByteBuffer> touched = ConcurrentHashMap.newKeySet();
  /** Charges whose outcome is unknown, by key: the next sync sends each again as it was. */
  private final ConcurrentHashMap<ByteBuffer, Charge> resends = new ConcurrentHashMap<>();
  /** Charge batches whose outcome is unknown, by group: sent again as they were, first. */
  private final ConcurrentHashMap<Integer, List<Batch>> batchResends = new ConcurrentHashMap<>();
  /** Groups whose charges are out: their keys wait for the next sync. */
  private final Set<Integer> groupsInFlight = ConcurrentHashMap.newKeySet();
  /** Keys the last sync left waiting for their groups, so that they do not trigger early syncs. */
  private volatile int keysWaitingForGroups;
  /** Set while a sync walks the touched keys (one walk at a time). */
  private final AtomicBoolean syncing = new AtomicBoolean();
  private final AtomicBoolean earlySyncQueued = new AtomicBoolean();
  /** Set while a sync is scheduled on the timer (at most one is). */
  private final AtomicBoolean syncScheduled = new AtomicBoolean();
  /** When the scheduled sync's wait began: a held sync goes at most the held interval after. */
  private volatile long syncWaitStartNanos;
  private final int minKeysPerSync;
  private final long heldIntervalNanos;
  /** Scheduled syncs run so far: the timer's wake-ups for syncs, for tests. */
  private final AtomicLong scheduledSyncs = new AtomicLong();
  private final ScheduledExecutorService timer;
  private final CounterDataPoint charged;
  private final CounterDataPoint failedCharges;
  private final DistributionDataPoint syncDuration;
  private final CounterDataPoint taskFailures;
  private volatile boolean closed;

  /**
   * @param maxStalenessMillis how long a hit admitted here may go unacknowledged by its group
   *     before the key stops admitting on this node ({@link LocalBucketView#tryTake})
   * @param maxViews keys this node keeps a view of; a new key beyond is decided by its group
   *     while views that owe nothing are evicted
   * @param maxViewBytes the same bound in bytes ({@link #viewBytes(ByteBuffer)}), so that long
   *     keys cannot make {@code maxViews} views take unbounded memory
   * @param chargeBatches whether a sync charges each group in charge batches (else op by op)
   */
  public EventualDecider(GroupRouter router, long syncIntervalMillis, int maxKeysPerSync,
      long maxStalenessMillis, int maxViews, long maxViewBytes, boolean chargeBatches,
      NodeMetrics metrics) {
    this(router, syncIntervalMillis, 1, syncIntervalMillis, maxKeysPerSync, maxStalenessMillis,
        maxViews, maxViewBytes, chargeBatches, metrics);
  }

  /**
   * A decider whose syncs that would charge fewer than {@code minKeysPerSync} keys are held back,
   * up to {@code heldIntervalMillis} after the first use they wait on (at least the interval).
   */
  public EventualDecider(GroupRouter router, long syncIntervalMillis, int minKeysPerSync,
      long heldIntervalMillis, int maxKeysPerSync, long maxStalenessMillis, int maxViews,
      long maxViewBytes, boolean chargeBatches, NodeMetrics metrics) {
    this.router = router;
    this.minKeysPerSync = minKeysPerSync;
    this.heldIntervalNanos = TimeUnit.MILLISECONDS.toNanos(
        Math.max(syncIntervalMillis, heldIntervalMillis));
    this.chargeBatches = chargeBatches;
    this.maxStalenessNanos = TimeUnit.MILLISECONDS.toNanos(maxStalenessMillis);
    this.maxViews = maxViews;
    this.maxViewBytes = maxViewBytes;
    this.overflowed = metrics.counter("raftlimiter_eventual_view_overflows",
        "EVENTUAL acquires decided by their group because the views were full");
    this.syncIntervalNanos = TimeUnit.MILLISECONDS.toNanos(syncIntervalMillis);
    this.maxKeysPerSync = maxKeysPerSync;
    // A view unused this long, owing nothing and full again, is dropped: memory follows active keys.
    this.idleNanos = Math.max(TimeUnit.SECONDS.toNanos(1), 10 * syncIntervalNanos);
    this.charged = metrics.counter("raftlimiter_eventual_hits_charged",
        "EVENTUAL hits charged to their groups");
    this.failedCharges = metrics.counter("raftlimiter_eventual_charges_failed",
        "EVENTUAL charges that failed (sent again, or owed again)");
    this.syncDuration = metrics.timer("raftlimiter_eventual_sync_seconds",
        "time one EVENTUAL sync took");
    metrics.gauge("raftlimiter_eventual_views", "keys this node holds an EVENTUAL view of",
        views::size);
    this.timer = DaemonThreads.timer("raftlimiter-eventual-sync");
    this.taskFailures = metrics.taskFailures();
    DaemonThreads.every(timer, "forget idle eventual views", 1, 1, TimeUnit.SECONDS, taskFailures,
        this::forgetIdleViews);
  }

  @Override
  public CompletableFuture<Decision> decide(BucketOp op) {
    ByteBuffer key = ByteBuffer.wrap(op.key());
    long now = System.nanoTime();
    if (full(key) && !views.containsKey(key)) {
      // No room for one more view: the group decides (as for a cold LEASED key) while views
      // that owe nothing make room. Never dropping a view that owes hits keeps the bound.
      overflowed.inc();
      if (evictionQueued.compareAndSet(false, true)) {
        timer.execute(DaemonThreads.guarded("evict eventual views", taskFailures, () -> {
          evictionQueued.set(false);
          evictViews();
        }));
      }
      return router.submit(op);
    }
    Decision decision;
    while (true) {
      LocalBucketView view = views.computeIfAbsent(key, k -> {
        viewBytes.addAndGet(viewBytes(k));
        return new LocalBucketView(op.limit(), now);
      });
      synchronized (view) {
        if (view.retired()) {
          continue; // forgotten between the lookup and the lock: take the fresh one
        }
        decision = view.tryTake(op.permits(), op.limit(), now, maxStalenessNanos);
        break;
      }
    }
    touched.add(key);
    scheduleSync();
    if (touched.size() - keysWaitingForGroups >= maxKeysPerSync && !syncing.get()
        && earlySyncQueued.compareAndSet(false, true)) {
      timer.execute(() -> {
        earlySyncQueued.set(false);
        syncSafely();
      });
    }
    return LocalDecision.of(decision);
  }

  /**
   * Schedules a sync one interval from now, unless one is scheduled: keys used since the last sync
   * are then charged at most an interval after their first use, as with a sync every interval,
   * without waking the timer while nothing is used.
   */
  private void scheduleSync() {
    if (closed || syncScheduled.get() || !syncScheduled.compareAndSet(false, true)) {
      return;
    }
    syncWaitStartNanos = System.nanoTime();
    scheduleSyncIn(syncIntervalNanos);
  }

  private void scheduleSyncIn(long delayNanos) {
    try {
      timer.schedule(DaemonThreads.guarded("eventual sync", taskFailures, this::scheduledSync),
          delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) { // closing
      syncScheduled.set(false);
    }
  }

  /**
   * The scheduled sync: held back, an interval at a time, while it would charge fewer than
   * {@code minKeysPerSync} keys, until {@code heldIntervalNanos} after the wait began. A sync
   * costs a log entry per group whatever it carries, so at a low rate a sync every interval
   * makes entries for a handful of keys each (at 1,000 decisions a second, ~105 entries a second
   * and over a core over the three nodes), while under load the keys are there within the
   * interval and nothing is held.
   */
  private void scheduledSync() {
    scheduledSyncs.incrementAndGet();
    long waited = System.nanoTime() - syncWaitStartNanos;
    if (touched.size() - keysWaitingForGroups < minKeysPerSync && waited < heldIntervalNanos) {
      // looked at again each interval: keys that come meanwhile end the wait
      scheduleSyncIn(Math.min(syncIntervalNanos, heldIntervalNanos - waited));
      return;
    }
    syncScheduled.set(false);
    syncSafely();
  }

  /** The heap a view of {@code key} takes, about: the key and the objects around it. */
  static long viewBytes(ByteBuffer key) {
    return key.capacity() + VIEW_OVERHEAD_BYTES;
  }

  /** Whether one more view would pass the bounds, in views or in bytes. */
  private boolean full(ByteBuffer key) {
    return views.size() >= maxViews || viewBytes.get() + viewBytes(key) > maxViewBytes;
  }

  /** Removes a retired view from the map, and its bytes from the count. */
  private void drop(ByteBuffer key, LocalBucketView view) {
    if (views.remove(key, view)) {
      viewBytes.addAndGet(-viewBytes(key));
    }
  }

  /** Scheduled syncs that have run (each a wake-up of the sync thread). */
  long scheduledSyncs() {
    return scheduledSyncs.get();
  }

  /** Keys this node holds a view of. */
  public int views() {
    return views.size();
  }

  /** Hits admitted here and not yet acknowledged by their groups, over all keys. */
  public long owedHits() {
    long owed = 0;
    for (LocalBucketView view : views.values()) {
      synchronized (view) {
        owed += view.owed();
      }
    }
    return owed;
  }

  private void syncSafely() {
    try {
      sync();
    } catch (RuntimeException e) {
      LOG.error("eventual sync failed; its hits stay owed and go with the next one", e);
      scheduleSync();
    }
  }

  /**
   * Charges what is owed. One walk over the touched keys at a time; each group that has no
   * charges out gets its keys' charges in one {@link GroupRouter#submitAll} (one by one, each
   * would make a log entry, or forward call, of its own whenever the group's committer is idle).
   * The keys of a group whose charges are still out stay touched: that group is synced again
   * once it has answered, and a slow group holds back no other.
   */
  private void sync() {
    if (closed || !syncing.compareAndSet(false, true)) {
      return; // the walk under way takes whatever is touched by now, or schedules the next
    }
    try {
      walk(System.nanoTime());
    } finally {
      syncing.set(false);
    }
  }

  private void walk(long start) {
    Map<Integer, List<Charge>> byGroup = new HashMap<>();
    // Failed only after the walk: failing puts the key back in touched, where the walk could
    // meet it again.
    List<Runnable> unroutable = new ArrayList<>();
    Set<Integer> resending = new LinkedHashSet<>();
    int waiting = 0;
    Iterator<ByteBuffer> keys = touched.iterator();
    while (keys.hasNext()) {
      ByteBuffer key = keys.next();
      int group;
      try {
        group = router.groupOf(key.array());
      } catch (RuntimeException e) {
        keys.remove();
        LocalBucketView view = views.get(key);
        Charge charge = view == null ? null : begin(key, view, start);
        if (charge != null) {
          unroutable.add(() -> failed(charge, e, false));
        }
        continue;
      }
      if (groupsInFlight.contains(group)) {
        waiting++;
        continue; // its group's charges are out: synced once they are answered
      }
      if (batchResends.containsKey(group)) {
        waiting++; // its group's batches of unknown outcome go first, as they were
        resending.add(group);
        continue;
      }
      keys.remove();
      LocalBucketView view = views.get(key);
      Charge charge = view == null ? null : begin(key, view, start);
      if (charge != null) {
        byGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(charge);
      }
    }
    keysWaitingForGroups = waiting;
    unroutable.forEach(Runnable::run);
    if (!unroutable.isEmpty()) {
      scheduleSync(); // owed again
    }
    for (int group : resending) {
      List<Batch> batches = batchResends.remove(group);
      if (batches != null) {
        send(group, batches, start);
      }
    }
    byGroup.forEach((group, charges) -> {
      if (chargeBatches) {
        send(group, batches(group, charges, start), start);
      } else {
        charge(group, charges, start);
      }
    });
  }

  /**
   * A group's charges as charge batches, each under an id of its own, split where one would pass
   * the bytes of an entry or the charges of a batch.
   */
  private static List<Batch> batches(int group, List<Charge> charges, long start) {
    List<Batch> batches = new ArrayList<>(1);
    List<Charge> batch = new ArrayList<>();
    byte[] id = newId();
    int bytes = LogEntryCodec.chargeBatchHeaderSize(id);
    for (Charge charge : charges) {
      int size = LogEntryCodec.chargeSize(charge.key().array())
          + LogEntryCodec.chargeBatchLimitSize(); // as if its limit were new: a bound
      if (!batch.isEmpty() && (bytes + size > GroupCommitter.DEFAULT_MAX_ENTRY_BYTES
          || batch.size() == LogEntryCodec.MAX_BATCH_CHARGES)) {
        batches.add(Batch.of(group, id, batch, start));
        batch = new ArrayList<>();
        id = newId();
        bytes = LogEntryCodec.chargeBatchHeaderSize(id);
      }
      batch.add(charge);
      bytes += size;
    }
    batches.add(Batch.of(group, id, batch, start));
    return batches;
  }

  /**
   * Proposes {@code batches} to {@code group}, each an entry of its own; the group is out until
   * all are answered.
   */
  private void send(int group, List<Batch> batches, long start) {
    groupsInFlight.add(group);
    List<CompletableFuture<?>> answered = new ArrayList<>(batches.size());
    for (Batch batch : batches) {
      answered.add(router.propose(group, batch.entry()).handle((decisions, error) -> {
        if (error == null && decisions.size() == batch.charges().size()) {
          for (int i = 0; i < decisions.size(); i++) {
            synced(batch.charges().get(i), decisions.get(i));
          }
        } else {
          if (error == null) {
            LOG.error("group {} answered {} decisions to a batch of {} charges", group,
                decisions.size(), batch.charges().size());
          }
          failed(batch, error == null ? new IllegalStateException("decisions missing") : error);
        }
        return null;
      }));
    }
    releaseWhenAnswered(group, answered, start);
  }

  /** Once every one of {@code answered} is done, the group is out no more: synced again. */
  private void releaseWhenAnswered(int group, List<? extends CompletableFuture<?>> answered,
      long start) {
    CompletableFuture.allOf(answered.toArray(CompletableFuture[]::new)).whenComplete((ok, e) -> {
      NodeMetrics.observeNanos(syncDuration, System.nanoTime() - start);
      groupsInFlight.remove(group);
      if (!touched.isEmpty()) {
        scheduleSync(); // used meanwhile, waiting for this group, or owed again
      }
    });
  }

  /**
   * Puts a failed batch back: to be sent again as it was while it may have been applied and its
   * group still remembers its id; else its charges are owed again.
   */
  private void failed(Batch batch, Throwable error) {
    failedCharges.inc(batch.charges().size());
    if (!Decider.tookNothing(error)
        && System.nanoTime() - batch.firstSentNanos() < RESEND_WITHIN_NANOS) {
      batchResends.compute(batch.group(), (group, waiting) -> {
        List<Batch> batches = waiting == null ? new ArrayList<>() : waiting;
        batches.add(batch);
        return batches;
      });
    } else {
      for (Charge charge : batch.charges()) {
        synchronized (charge.view()) {
          charge.view().syncFailed(charge.hits());
        }
      }
    }
    batch.charges().forEach(charge -> touched.add(charge.key())); // the next sync retries them
    LOG.debug("a batch of {} charges failed; retried with the next sync", batch.charges().size(),
        error);
  }

  /** Sends {@code charges} to {@code group} together; the group is out until all are answered. */
  private void charge(int group, List<Charge> charges, long start) {
    groupsInFlight.add(group);
    List<BucketOp> ops = new ArrayList<>(charges.size());
    charges.forEach(charge -> ops.add(charge.op()));
    List<CompletableFuture<Decision>> decided;
    boolean sent = true;
    try {
      decided = router.submitAll(group, ops);
    } catch (RuntimeException e) {
      sent = false;
      decided = new ArrayList<>();
      for (int i = 0; i < ops.size(); i++) {
        decided.add(CompletableFuture.failedFuture(e));
      }
    }
    boolean mayHaveApplied = sent;
    List<CompletableFuture<Void>> answered = new ArrayList<>(charges.size());
    for (int i = 0; i < charges.size(); i++) {
      Charge charge = charges.get(i);
      answered.add(decided.get(i).handle((decision, error) -> {
        if (error == null) {
          synced(charge, decision);
        } else {
          failed(charge, error, mayHaveApplied);
        }
        return null;
      }));
    }
    releaseWhenAnswered(group, answered, start);
  }

  /**
   * A key's charge in a sync: its hits moved out of the view until the group answers; sent under
   * {@code op}'s id from {@code firstSentNanos} on, again as it is while its outcome is unknown.
   */
  private record Charge(ByteBuffer key, LocalBucketView view, long hits, BucketOp op,
      long firstSentNanos) {}

  /** A group's charges in one charge batch, sent as {@code entry} from {@code firstSentNanos}. */
  private record Batch(int group, List<Charge> charges, LogEntry entry, long firstSentNanos) {
    static Batch of(int group, byte[] id, List<Charge> charges, long firstSentNanos) {
      List<BucketOp> ops = new ArrayList<>(charges.size());
      charges.forEach(charge -> ops.add(charge.op()));
      return new Batch(group, charges, LogEntry.chargeBatch(id, ops), firstSentNanos);
    }
  }

  private static byte[] newId() {
    byte[] id = new byte[16];
    ThreadLocalRandom.current().nextBytes(id);
    return id;
  }

  /**
   * Begins {@code view}'s charge: a charge of unknown outcome again as it was, else a new one of
   * its unsynced hits under a new id; null when it needs none now.
   */
  private Charge begin(ByteBuffer key, LocalBucketView view, long now) {
    Charge resend = resends.remove(key);
    if (resend != null) {
      return resend;
    }
    synchronized (view) {
      if (view.retired() || !view.wantsSync(now, syncIntervalNanos)) {
        return null;
      }
      long hits = view.beginSync();
      // in a batch, the batch's id covers it
      BucketOp op = chargeBatches
          ? new BucketOp(key.array(), hits, view.limit(), OpKind.CHARGE)
          : new BucketOp(key.array(), hits, view.limit(), OpKind.CHARGE, newId());
      return new Charge(key, view, hits, op, now);
    }
  }

  private void synced(Charge charge, Decision decision) {
    boolean owesMore;
    synchronized (charge.view()) {
      charge.view().synced(charge.hits(), decision.remaining(), System.nanoTime());
      charged.inc(charge.hits());
      owesMore = charge.view().owed() > 0;
    }
    if (owesMore) {
      touched.add(charge.key()); // hits admitted while this charge was out
    }
  }

  /**
   * Puts a failed charge back: sent again as it was when it may have been applied (so its group
   * applies it once), unless it has been out too long for its group to remember its id; owed
   * again, to go with the next sync's hits, when it certainly took nothing.
   */
  private void failed(Charge charge, Throwable error, boolean mayHaveBeenSent) {
    failedCharges.inc();
    boolean tookNothing = !mayHaveBeenSent || Decider.tookNothing(error);
    if (!tookNothing && System.nanoTime() - charge.firstSentNanos() < RESEND_WITHIN_NANOS) {
      resends.put(charge.key(), charge);
    } else {
      synchronized (charge.view()) {
        charge.view().syncFailed(charge.hits());
      }
    }
    touched.add(charge.key()); // the next sync retries it
    LOG.debug("charging {} hits failed; retried with the next sync", charge.hits(), error);
  }

  private void forgetIdleViews() {
    long now = System.nanoTime();
    for (var entry : views.entrySet()) {
      LocalBucketView view = entry.getValue();
      synchronized (view) {
        if (view.forgettable(now, idleNanos)) {
          view.retire();
          drop(entry.getKey(), view);
        }
      }
    }
  }

  /**
   * Makes room down to nine tenths of the cap: drops views that owe nothing and were not used in
   * the last sync interval (their keys start again from an assumed-full view, within the bound).
   * Views that owe hits are kept whatever the cap, so no admitted hit goes uncharged.
   */
  private void evictViews() {
    long now = System.nanoTime();
    long target = maxViews - Math.max(1, maxViews / 10);
    long targetBytes = maxViewBytes - Math.max(1, maxViewBytes / 10);
    for (var entry : views.entrySet()) {
      if (views.size() <= target && viewBytes.get() <= targetBytes) {
        return;
      }
      LocalBucketView view = entry.getValue();
      synchronized (view) {
        if (view.owed() == 0 && view.idleFor(now) >= syncIntervalNanos) {
          view.retire();
          drop(entry.getKey(), view);
        }
      }
    }
  }

  /** Stops at once, charging nothing more: what a crash does (for tests that stand in for one). */
  public void abandon() {
    closed = true;
    timer.shutdownNow();
  }

  /** Stops syncing after one last attempt (of up to 2 s) to charge what is owed. */
  @Override
  public void close() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    try {
      while (owedHits() > 0 && System.nanoTime() < deadline) {
        timer.submit(this::syncSafely).get(1, TimeUnit.SECONDS);
        Thread.sleep(5);
      }
    } catch (Exception e) {
      LOG.debug("last eventual sync interrupted", e);
    }
    long owed = owedHits();
    if (owed > 0) {
      LOG.warn("closing with {} admitted hits not charged to their groups", owed);
    }
    closed = true;
    timer.shutdownNow();
  }
}
