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
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EVENTUAL decisions: made at once from this node's {@link LocalBucketView} of the key, with no hop
 * and no log write on the request path. The hits admitted here are summed per key and charged to
 * the owning group ({@link OpKind#CHARGE}, through its log) by one sync at a time, started every
 * {@code syncInterval} or as soon as {@code maxKeysPerSync} keys are waiting; each charge's reply
 * brings the bucket's state back into the view. A failed charge is owed again and retried with
 * the next sync, so hits are never dropped while the node lives.
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
    DaemonThreads.every(timer, "eventual sync", syncIntervalMillis, syncIntervalMillis,
        TimeUnit.MILLISECONDS, taskFailures, this::syncSafely);
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
    if (touched.size() >= maxKeysPerSync && !syncing.get()
        && earlySyncQueued.compareAndSet(false, true)) {
      timer.execute(() -> {
        earlySyncQueued.set(false);
        syncSafely();
      });
    }
    return CompletableFuture.completedFuture(decision);
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
    }
  }

  /** Charges what is owed, one sync at a time; the next starts when this one has been answered. */
  private void sync() {
    if (closed || !syncing.compareAndSet(false, true)) {
      return;
    }
    long start = System.nanoTime();
    List<CompletableFuture<Void>> charges = new ArrayList<>();
    Iterator<ByteBuffer> keys = touched.iterator();
    while (keys.hasNext()) {
      ByteBuffer key = keys.next();
      keys.remove();
      LocalBucketView view = views.get(key);
      if (view == null) {
        continue;
      }
      charges.add(charge(key, view, start));
    }
    if (charges.isEmpty()) {
      syncing.set(false);
      return;
    }
    CompletableFuture.allOf(charges.toArray(CompletableFuture[]::new)).whenComplete((ok, e) -> {
      syncDuration.update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      syncing.set(false);
    });
  }

  private CompletableFuture<Void> charge(ByteBuffer key, LocalBucketView view, long now) {
    long hits;
    BucketOp op;
    synchronized (view) {
      if (view.retired() || !view.wantsSync(now, syncIntervalNanos)) {
        return CompletableFuture.completedFuture(null);
      }
      hits = view.beginSync();
      op = new BucketOp(key.array(), hits, view.limit(), OpKind.CHARGE);
    }
    return router.submit(op).handle((decision, error) -> {
      synchronized (view) {
        if (error == null) {
          view.synced(hits, decision.remaining(), System.nanoTime());
          charged.inc(hits);
        } else {
          view.syncFailed(hits);
          failedCharges.inc();
        }
      }
      if (error != null) {
        touched.add(key); // owed again: the next sync retries it
        LOG.debug("charging {} hits failed; retried with the next sync", hits, error);
      }
      return null;
    });
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
