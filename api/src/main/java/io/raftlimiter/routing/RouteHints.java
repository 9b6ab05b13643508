package io.raftlimiter.routing;

import io.grpc.Metadata;

/**
 * What a node tells a client about its routing: a call that reached a node not leading the key's
 * group carries this trailer, so that a client routing by a cached view knows to refresh it.
 */
public final class RouteHints {
  /** Set (to "1") on a call the node had to forward to another node's group leader. */
  public static final Metadata.Key<String> VIEW_STALE =
      Metadata.Key.of("raftlimiter-view-stale", Metadata.ASCII_STRING_MARSHALLER);

  private RouteHints() {}
}
