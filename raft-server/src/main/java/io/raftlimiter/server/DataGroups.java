package io.raftlimiter.server;

import io.raftlimiter.routing.KeyToGroup;
import io.raftlimiter.server.api.GroupRouter;
import io.raftlimiter.server.commit.GroupCommitter;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data groups of the cluster as one node sees them: every group's placement, a Raft client
 * and a committer per group (also for groups this node does not host, which it reaches in one
 * hop), and the key → group routing.
 *
 * <p>Group {@code i} is named {@code raftlimiter/data/i} and replicated on the nodes the
 * {@link io.raftlimiter.routing.PlacementRing} gives it, so every node derives the same layout
 * from the same member list. A node joins the groups it is placed in when it starts; groups it
 * hosted before are recovered by Ratis from their storage directories.
 */
final class DataGroups implements GroupRouter, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataGroups.class);
  private static final int RESEND_THREADS = 2;

  private final RaftServer server;
  private final KeyToGroup keyToGroup;
  private final List<RaftGroup> groups;
  private final List<RaftClient> clients = new ArrayList<>();
  private final List<GroupCommitter> committers = new ArrayList<>();
  private final List<LeaderChase> chases = new ArrayList<>();
  private final RaftRequestRpc rpc;
  /** Runs the attempts that follow a refused or lost one; idle while leaders stay put. */
  private final ThreadPoolExecutor resends;
  private volatile boolean closing;
  private final boolean[] hosted;
  private final ClientId managementClientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  DataGroups(NodeConfig config, RaftServer server, NodeMetrics metrics) {
    this.server = server;
    this.groups = ClusterGroups.dataGroups(config.peers(), config.get(NodeConfigKeys.GROUPS),
        config.get(NodeConfigKeys.REPLICATION));
    this.keyToGroup = new KeyToGroup(groups.size());
    this.hosted = new boolean[groups.size()];
    for (int i = 0; i < groups.size(); i++) {
      hosted[i] = groups.get(i).getPeer(server.getId()) != null;
    }
    Duration timeout = Duration.ofMillis(config.get(NodeConfigKeys.REQUEST_TIMEOUT_MS));
    // One attempt may not take the whole budget: a dead leader must leave time to find the next.
    this.rpc = new RaftRequestRpc(Math.max(100, timeout.toMillis() / 3));
    this.resends = new ThreadPoolExecutor(RESEND_THREADS, RESEND_THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), daemonThreads(server.getId() + "-resend"));
    resends.allowCoreThreadTimeOut(true);
    for (int i = 0; i < groups.size(); i++) {
      RaftGroup group = groups.get(i);
      clients.add(RaftClient.newBuilder() // for admin calls: leadership transfers
          .setClientId(ClientId.randomId())
          .setRaftGroup(group)
          .setProperties(RaftTuning.clientProperties(config))
          .setRetryPolicy(RaftTuning.clientRetryPolicy(config))
          .build());
      LeaderChase chase = new LeaderChase(server, group, rpc, resends, () -> closing);
      chases.add(chase);
      committers.add(new GroupCommitter(
          new RaftEntrySubmitter(group.getGroupId(), chase, timeout),
          config.get(NodeConfigKeys.BATCH_MAX_OPS),
          GroupCommitter.DEFAULT_MAX_ENTRY_BYTES,
          config.get(NodeConfigKeys.BATCH_MAX_IN_FLIGHT),
          config.get(NodeConfigKeys.BATCH_PIPELINE_THRESHOLD),
          metrics::entrySubmitted));
    }
  }

  /** Adds the groups this node is placed in and does not host yet (a first start). */
  void joinLocalGroups() throws IOException {
    List<org.apache.ratis.protocol.RaftGroupId> hosted = new ArrayList<>();
    server.getGroupIds().forEach(hosted::add);
    for (RaftGroup group : local()) {
      if (hosted.contains(group.getGroupId())) {
        continue; // recovered from its storage directory
      }
      RaftClientReply reply = server.groupManagement(GroupManagementRequest.newAdd(
          managementClientId, server.getId(), callIds.incrementAndGet(), group));
      if (!reply.isSuccess()) {
        throw new IOException("cannot join group " + group.getGroupId() + ": "
            + reply.getException());
      }
      LOG.debug("{} joined {}", server.getId(), group);
    }
  }

  @Override
  public int groupOf(byte[] key) {
    return keyToGroup.groupOf(key);
  }

  @Override
  public GroupCommitter committer(int group) {
    return committers.get(group);
  }

  /** Whether this node leads data group {@code index} now. On the acquire path: no exceptions. */
  @Override
  public boolean leads(int index) {
    if (!hosted[index]) {
      return false;
    }
    try {
      return server.getDivision(groups.get(index).getGroupId()).getInfo().isLeader();
    } catch (IOException e) {
      return false; // still joining
    }
  }

  /** The id of the node that leads group {@code index} as far as this node knows, or null. */
  org.apache.ratis.protocol.RaftPeerId leaderOf(int index) {
    if (hosted[index]) {
      try {
        return server.getDivision(groups.get(index).getGroupId()).getInfo().getLeaderId();
      } catch (IOException e) {
        return null; // still joining
      }
    }
    return chases.get(index).likelyLeader(); // the last leader seen
  }

  /** The Raft client of data group {@code index}. */
  RaftClient client(int index) {
    return clients.get(index);
  }

  /** Every data group, by index. */
  List<RaftGroup> all() {
    return groups;
  }

  /** The groups this node holds a replica of. */
  List<RaftGroup> local() {
    List<RaftGroup> local = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      if (hosted[i]) {
        local.add(groups.get(i));
      }
    }
    return local;
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicLong count = new AtomicLong();
    return r -> {
      Thread thread = new Thread(r, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public void close() {
    closing = true; // entries in flight stop chasing leaders: their callers get UNAVAILABLE now
    rpc.close();
    resends.shutdown();
    for (RaftClient client : clients) {
      try {
        client.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("closing a raft client: {}", e.toString());
      }
    }
  }
}
