package io.raftlimiter.server.api;

import io.raftlimiter.api.admin.v1.ClusterView;
import io.raftlimiter.api.v1.Routes;
import io.raftlimiter.server.data.DataGroups;

/**
 * Where each data group's leader takes clients, as far as this node knows: what clients route by
 * ({@code RateLimiter.GetRoutes}), and the same list as operators see it ({@code NodeAdmin.View},
 * which rlctl shows, and the status page).
 */
public final class LeaderRoutes {
  private final DataGroups groups;

  public LeaderRoutes(DataGroups groups) {
    this.groups = groups;
  }

  public Routes routes() {
    Routes.Builder routes = Routes.newBuilder().setGroups(groups.all().size());
    for (int index = 0; index < groups.all().size(); index++) {
      routes.addLeaderAddresses(groups.leaderClientAddress(index));
    }
    return routes.build();
  }

  public ClusterView view() {
    Routes routes = routes();
    return ClusterView.newBuilder().setGroups(routes.getGroups())
        .addAllLeaderAddresses(routes.getLeaderAddressesList()).build();
  }
}
