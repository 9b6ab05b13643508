package io.raftlimiter.server.decide.eventual;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.OpKind;
import io.raftlimiter.server.api.GroupRouter;
import io.raftlimiter.server.decide.Decider;
import io.raftlimiter.server.runtime.DaemonThreads;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
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
 * into the view. A sync hands each group its charges together ({@link GroupRouter#submitAll}), so
 * that they share log entries and forward calls. A failed charge is owed again and retried with
 * the next sync, so hits are never dropped while the node lives. Nothing is scheduled while no
 * key is used: an idle node's sync thread sleeps.
 *
 * <p>How far the cluster can over-admit follows from this (docs/DESIGN.md derives it): a node
 * spends at most what its view holds, and a view is at most one sync period old.
 */
public final class EventualDecider implements Decider, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventualDecider.class);

  private final GroupRouter router;
  private final long syncIntervalNanos;
  private final int maxKeysPerSync;
  private final long idleNanos;
  private final long maxStalenessNanos;
  private final int maxViews;
  private final AtomicBoolean evictionQueued = new AtomicBoolean();
  private final Counter overflowed;
  private final ConcurrentHashMap<ByteBuffer, LocalBucketView> views = new ConcurrentHashMap<>();
  /** Keys used since their last sync: the next sync looks at these only. */
  private final Set<ByteBuffer> touched = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean syncing = new AtomicBoolean();
  private final AtomicBoolean earlySyncQueued = new AtomicBoolean();
  /** Set while a sync is scheduled on the timer (at most one is). */
  private final AtomicBoolean syncScheduled = new AtomicBoolean();
  /** Scheduled syncs run so far: the timer's wake-ups for syncs, for tests. */
  private final AtomicLong scheduledSyncs = new AtomicLong();
  private final ScheduledExecutorService timer;
  private final Counter charged;
  private final Counter failedCharges;
  private final Timer syncDuration;
  private final Counter taskFailures;
  private volatile boolean closed;

  /**
   * @param maxStalenessMillis how long a hit admitted here may go unacknowledged by its group
   *     before the key stops admitting on this node ({@link LocalBucketView#tryTake})
   * @param maxViews keys this node keeps a view of; a new key beyond is decided by its group
   *     while views that owe nothing are evicted
   */
  public EventualDecider(GroupRouter router, long syncIntervalMillis, int maxKeysPerSync,
      long maxStalenessMillis, int maxViews, MetricRegistry metrics) {
    this.router = router;
    this.maxStalenessNanos = TimeUnit.MILLISECONDS.toNanos(maxStalenessMillis);
    this.maxViews = maxViews;
    this.overflowed = metrics.counter("eventual.view-overflows");
    this.syncIntervalNanos = TimeUnit.MILLISECONDS.toNanos(syncIntervalMillis);
    this.maxKeysPerSync = maxKeysPerSync;
    // A view unused this long, owing nothing and full again, is dropped: memory follows active keys.
    this.idleNanos = Math.max(TimeUnit.SECONDS.toNanos(1), 10 * syncIntervalNanos);
    this.charged = metrics.counter("eventual.hits-charged");
    this.failedCharges = metrics.counter("eventual.charges-failed");
    this.syncDuration = metrics.timer("eventual.sync");
    metrics.gauge("eventual.views", () -> views::size);
    this.timer = DaemonThreads.timer("raftlimiter-eventual-sync");
    this.taskFailures = metrics.counter(DaemonThreads.TASK_FAILURES_METRIC);
    DaemonThreads.every(timer, "forget idle eventual views", 1, 1, TimeUnit.SECONDS, taskFailures,
        this::forgetIdleViews);
  }

  @Override
  public CompletableFuture<Decision> decide(BucketOp op) {
    ByteBuffer key = ByteBuffer.wrap(op.key());
    long now = System.nanoTime();
    if (views.size() >= maxViews && !views.containsKey(key)) {
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
      LocalBucketView view = views.computeIfAbsent(key, k -> new LocalBucketView(op.limit(), now));
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
    if (touched.size() >= maxKeysPerSync && !syncing.get()
        && earlySyncQueued.compareAndSet(false, true)) {
      timer.execute(() -> {
        earlySyncQueued.set(false);
        syncSafely();
      });
    }
    return CompletableFuture.completedFuture(decision);
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
    try {
      timer.schedule(DaemonThreads.guarded("eventual sync", taskFailures, () -> {
        scheduledSyncs.incrementAndGet();
        syncScheduled.set(false);
        syncSafely();
      }), syncIntervalNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) { // closing
      syncScheduled.set(false);
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
      syncing.set(false);
      scheduleSync();
    }
  }

  /**
   * Charges what is owed, one sync at a time; the next starts when this one has been answered.
   * Each group gets its charges in one {@link GroupRouter#submitAll}: one by one, each would make
   * a log entry (or forward call) of its own whenever the group's committer is idle.
   */
  private void sync() {
    if (closed || !syncing.compareAndSet(false, true)) {
      return; // the sync in flight schedules the next when it ends
    }
    long start = System.nanoTime();
    Map<Integer, List<Charge>> byGroup = new HashMap<>();
    // Failed only after the walk: failing puts the key back in touched, where the walk could
    // meet it again.
    List<Runnable> unroutable = new ArrayList<>();
    Iterator<ByteBuffer> keys = touched.iterator();
    while (keys.hasNext()) {
      ByteBuffer key = keys.next();
      keys.remove();
      LocalBucketView view = views.get(key);
      Charge charge = view == null ? null : begin(key, view, start);
      if (charge != null) {
        int group;
        try {
          group = router.groupOf(charge.op().key());
        } catch (RuntimeException e) {
          unroutable.add(() -> failed(charge, e));
          continue;
        }
        byGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(charge);
      }
    }
    unroutable.forEach(Runnable::run);
    if (byGroup.isEmpty()) {
      syncing.set(false);
      if (!unroutable.isEmpty()) {
        scheduleSync(); // owed again
      }
      return;
    }
    List<CompletableFuture<Void>> answered = new ArrayList<>();
    byGroup.forEach((group, charges) -> {
      List<BucketOp> ops = new ArrayList<>(charges.size());
      charges.forEach(charge -> ops.add(charge.op()));
      List<CompletableFuture<Decision>> decided;
      try {
        decided = router.submitAll(group, ops);
      } catch (RuntimeException e) {
        decided = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
          decided.add(CompletableFuture.failedFuture(e));
        }
      }
      for (int i = 0; i < charges.size(); i++) {
        Charge charge = charges.get(i);
        answered.add(decided.get(i).handle((decision, error) -> {
          if (error == null) {
            synced(charge, decision);
          } else {
            failed(charge, error);
          }
          return null;
        }));
      }
    });
    CompletableFuture.allOf(answered.toArray(CompletableFuture[]::new)).whenComplete((ok, e) -> {
      syncDuration.update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      syncing.set(false);
      if (!touched.isEmpty()) {
        scheduleSync(); // used meanwhile, or owed again after a failure
      }
    });
  }

  /** A key's charge in a sync: its hits moved out of the view until the group answers. */
  private record Charge(ByteBuffer key, LocalBucketView view, long hits, BucketOp op) {}

  /** Begins {@code view}'s charge, or null when it needs none now. */
  private Charge begin(ByteBuffer key, LocalBucketView view, long now) {
    synchronized (view) {
      if (view.retired() || !view.wantsSync(now, syncIntervalNanos)) {
        return null;
      }
      long hits = view.beginSync();
      return new Charge(key, view, hits,
          new BucketOp(key.array(), hits, view.limit(), OpKind.CHARGE));
    }
  }

  private void synced(Charge charge, Decision decision) {
    synchronized (charge.view()) {
      charge.view().synced(charge.hits(), decision.remaining(), System.nanoTime());
      charged.inc(charge.hits());
    }
  }

  private void failed(Charge charge, Throwable error) {
    synchronized (charge.view()) {
      charge.view().syncFailed(charge.hits());
      failedCharges.inc();
    }
    touched.add(charge.key()); // owed again: the next sync retries it
    LOG.debug("charging {} hits failed; retried with the next sync", charge.hits(), error);
  }

  private void forgetIdleViews() {
    long now = System.nanoTime();
    for (var entry : views.entrySet()) {
      LocalBucketView view = entry.getValue();
      synchronized (view) {
        if (view.forgettable(now, idleNanos)) {
          view.retire();
          views.remove(entry.getKey(), view);
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
    for (var entry : views.entrySet()) {
      if (views.size() <= target) {
        return;
      }
      LocalBucketView view = entry.getValue();
      synchronized (view) {
        if (view.owed() == 0 && view.idleFor(now) >= syncIntervalNanos) {
          view.retire();
          views.remove(entry.getKey(), view);
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
