package io.raftlimiter.server.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.raftlimiter.routing.RouteHints;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Adds the {@link RouteHints#VIEW_STALE} trailer to calls the service had to forward, so that
 * clients routing by a cached view refresh it. The service marks a call through
 * {@link #markForwarded()} while it handles it.
 */
public final class RouteHintInterceptor implements ServerInterceptor {
  private static final Context.Key<AtomicBoolean> FORWARDED = Context.key("raftlimiter-forwarded");

  /** Marks the current call as forwarded; does nothing outside a call. */
  public static void markForwarded() {
    AtomicBoolean forwarded = FORWARDED.get();
    if (forwarded != null) {
      forwarded.set(true);
    }
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    AtomicBoolean forwarded = new AtomicBoolean();
    ServerCall<Q, A> hinting = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (forwarded.get()) {
          trailers.put(RouteHints.VIEW_STALE, "1");
        }
        super.close(status, trailers);
      }
    };
    return Contexts.interceptCall(Context.current().withValue(FORWARDED, forwarded), hinting,
        headers, next);
  }
}
