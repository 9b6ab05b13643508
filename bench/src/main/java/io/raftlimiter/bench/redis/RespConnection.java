package io.raftlimiter.bench.redis;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One pipelined connection: any thread sends, one reader thread completes the futures in the
 * order Redis answers, which is the order the commands were written (writes are serialised with
 * the queue of pending futures, so the two orders agree). Futures complete on the reader thread.
 */
public final class RespConnection implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final Queue<CompletableFuture<Object>> pending = new ConcurrentLinkedQueue<>();
  private final Thread reader;
  private volatile boolean closed;

  public RespConnection(String host, int port) throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(host, port), 5_000);
    out = socket.getOutputStream();
    InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    reader = new Thread(() -> readLoop(in), "resp-reader-" + port);
    reader.setDaemon(true);
    reader.start();
  }

  /** Sends commands in one write; one future per command, each with its reply. */
  public List<CompletableFuture<Object>> send(List<String[]> commands) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * commands.size());
    for (String[] command : commands) {
      Resp.writeCommand(buffer, command);
    }
    List<CompletableFuture<Object>> futures =
        commands.stream().map(c -> new CompletableFuture<Object>()).toList();
    synchronized (this) {
      if (closed) {
        IOException error = new IOException("connection closed");
        futures.forEach(f -> f.completeExceptionally(error));
        return futures;
      }
      pending.addAll(futures);
      try {
        buffer.writeTo(out);
        out.flush();
      } catch (IOException e) {
        failAll(e);
      }
    }
    return futures;
  }

  /** Sends one command and waits for its reply; throws a {@link RespError} reply. */
  public Object call(String... command) throws Exception {
    Object reply = send(List.<String[]>of(command)).get(0).get();
    if (reply instanceof RespError error) {
      throw error;
    }
    return reply;
  }

  private void readLoop(InputStream in) {
    try {
      while (!closed) {
        Object reply = Resp.readReply(in);
        CompletableFuture<Object> next = pending.poll();
        if (next != null) {
          next.complete(reply);
        }
      }
    } catch (IOException | RuntimeException e) {
      synchronized (this) {
        closed = true;
        failAll(e);
      }
    }
  }

  private void failAll(Exception cause) {
    CompletableFuture<Object> next;
    while ((next = pending.poll()) != null) {
      next.completeExceptionally(cause);
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (this) {
      closed = true;
      socket.close();
      failAll(new IOException("connection closed"));
    }
  }
}
