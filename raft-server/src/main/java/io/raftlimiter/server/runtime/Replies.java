package io.raftlimiter.server.runtime;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a unary call from a handler or a completion callback without throwing: a call the client
 * cancelled meanwhile makes the observer throw, and nothing must escape to the transport.
 */
public final class Replies {
  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);

  private Replies() {}

  public static <T> void succeed(StreamObserver<T> observer, T response) {
    try {
      observer.onNext(response);
      observer.onCompleted();
    } catch (RuntimeException e) {
      LOG.debug("response not delivered (call cancelled?)", e);
    }
  }

  public static void fail(StreamObserver<?> observer, Status status) {
    fail(observer, status, null);
  }

  /** Fails the call with {@code status} and {@code trailers} (null: none). */
  public static void fail(StreamObserver<?> observer, Status status, Metadata trailers) {
    try {
      observer.onError(status.asRuntimeException(trailers));
    } catch (RuntimeException e) {
      LOG.debug("error not delivered (call cancelled?)", e);
    }
  }
}
