package io.raftlimiter.bench.redis;

import io.lettuce.core.codec.StringCodec;
import io.raftlimiter.bench.cluster.LoopbackPorts;
import io.raftlimiter.bench.cluster.ScratchDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A throw-away {@code redis-server} on 127.0.0.1, a free port and a temp directory, for the
 * baseline. Stopped and its directory deleted by {@link #close()}, or by the directory's shutdown
 * hook if the JVM exits first (Ctrl-C), so no server outlives the benchmark.
 */
public final class RedisServer implements AutoCloseable {
  /** How the server keeps its data. */
  public enum Persistence {
    /** In memory only, as a cache-style limiter is usually run. */
    NONE,
    /** Append-only file, fsync once a second: the usual durable setting. */
    AOF_EVERYSEC
  }

  private final Process process;
  private final ScratchDirectory scratch;
  private final int port;

  private RedisServer(Process process, ScratchDirectory scratch, int port) {
    this.process = process;
    this.scratch = scratch;
    this.port = port;
  }

  /** Whether {@code binary} (a path, or a name looked up on PATH) can be run. */
  public static boolean available(String binary) {
    try {
      Process probe = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
      probe.getInputStream().readAllBytes();
      return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public static RedisServer start(String binary, Persistence persistence) throws IOException {
    AtomicReference<Process> started = new AtomicReference<>();
    ScratchDirectory scratch = new ScratchDirectory("raftlimiter-bench-redis-",
        path -> stop(started.get()));
    Path directory = scratch.path();
    int port = LoopbackPorts.free();
    List<String> command = new ArrayList<>(List.of(binary,
        "--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", directory.toString(),
        "--daemonize", "no", "--save", "", "--logfile", "redis.log"));
    if (persistence == Persistence.AOF_EVERYSEC) {
      command.addAll(List.of("--appendonly", "yes", "--appendfsync", "everysec"));
    } else {
      command.addAll(List.of("--appendonly", "no"));
    }
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(directory.resolve("stdout.log").toFile()).start();
    } catch (IOException e) {
      scratch.close();
      throw e;
    }
    started.set(process);
    RedisServer server = new RedisServer(process, scratch, port);
    try {
      server.awaitReady();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited with " + process.exitValue() + "; see "
            + scratch.path().resolve("redis.log"));
      }
      try (RedisConnections<String, String> probe =
          new RedisConnections<>("127.0.0.1", port, 1, StringCodec.UTF8)) {
        if ("PONG".equals(probe.all().get(0).sync().ping())) {
          return;
        }
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw new IOException("redis-server did not answer PING within 10 s", e);
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for redis-server", e);
      }
    }
  }

  public int port() {
    return port;
  }

  public ProcessHandle process() {
    return process.toHandle();
  }

  private static void stop(Process process) {
    if (process != null && process.isAlive()) {
      process.destroy(); // SIGTERM: Redis exits at once without a save, as configured
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the server and deletes its directory. */
  @Override
  public void close() {
    scratch.close();
  }
}
