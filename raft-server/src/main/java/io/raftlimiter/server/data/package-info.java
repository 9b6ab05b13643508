/**
 * The data plane: the data groups as one node sees them ({@link io.raftlimiter.server.data.DataGroups}),
 * group commit ({@code commit}), forwarding ops to a group's leader ({@code forward}), and getting
 * an entry to whichever server leads its group ({@link io.raftlimiter.server.data.LeaderChase}).
 */
package io.raftlimiter.server.data;
