package io.raftlimiter.server.runtime;

import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;

/**
 * The JVM's common pool, which runs every {@code CompletableFuture} step made {@code *Async}
 * without an executor, shared in node processes. When its parallelism is below 2, the JVM's
 * default on a machine of one or two cores, {@code CompletableFuture} runs each such step on a
 * thread started for it alone. Ratis 3.2.2 appends every batch of entries a follower receives
 * through one ({@code ServerImplUtils.NavigableIndices.append}): a follower started a thread per
 * append, 6% of the nodes' CPU under STRONG load on two cores, and two context switches more
 * per entry (async-profiler, docs/BENCHMARKS.md).
 */
public final class CommonPool {
  static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";
  /** The fewest workers with which {@code CompletableFuture} uses the pool at all. */
  static final int SHARED_PARALLELISM = 2;

  private CommonPool() {}

  /**
   * The parallelism to set, if any: none when the operator chose one (kept, even if it is 1) or
   * when the JVM's default ({@code processors - 1}) already shares the pool.
   */
  static Optional<String> parallelismToSet(Properties properties, int processors) {
    if (properties.containsKey(PARALLELISM) || processors - 1 >= SHARED_PARALLELISM) {
      return Optional.empty();
    }
    return Optional.of(Integer.toString(SHARED_PARALLELISM));
  }

  /**
   * Makes the pool shared unless the operator set its parallelism. Works only before anything in
   * the JVM touched {@code CompletableFuture} or the pool, so a node's main calls it first;
   * {@link #threadPerTask()} tells afterwards whether it took.
   */
  public static void shareUnlessConfigured() {
    parallelismToSet(System.getProperties(), Runtime.getRuntime().availableProcessors())
        .ifPresent(value -> System.setProperty(PARALLELISM, value));
  }

  /** Whether {@code CompletableFuture} starts a thread per async step in this JVM. */
  public static boolean threadPerTask() {
    return !(new CompletableFuture<Void>().defaultExecutor() instanceof ForkJoinPool);
  }

  /** What a node logs when {@link #threadPerTask()}: the cost and the fix. */
  public static String threadPerTaskWarning() {
    return "the JVM's common pool has parallelism " + ForkJoinPool.getCommonPoolParallelism()
        + ", so every async step without an executor (Ratis' log append on a follower) starts a"
        + " thread of its own; start the JVM with -D" + PARALLELISM + "=" + SHARED_PARALLELISM;
  }
}
