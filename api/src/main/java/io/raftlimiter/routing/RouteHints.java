package io.raftlimiter.routing;

import io.grpc.Metadata;

/**
 * What a node tells a client, in trailers, about where and when to send a call: a call that
 * reached a node not leading the key's group says so, so that a client routing by a cached view
 * knows to refresh it; a call the node shed says when to try again. One definition for the
 * nodes that write them and the client that reads them.
 */
public final class RouteHints {
  /** Set (to "1") on a call the node had to forward to another node's group leader. */
  public static final Metadata.Key<String> VIEW_STALE =
      Metadata.Key.of("raftlimiter-view-stale", Metadata.ASCII_STRING_MARSHALLER);

  /** On a RESOURCE_EXHAUSTED answer: the milliseconds to wait before trying again. */
  public static final Metadata.Key<String> RETRY_AFTER_MILLIS =
      Metadata.Key.of("retry-after-millis", Metadata.ASCII_STRING_MARSHALLER);

  private RouteHints() {}
}
