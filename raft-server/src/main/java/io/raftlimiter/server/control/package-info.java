/**
 * The control plane: the cluster's metadata ({@link io.raftlimiter.server.control.MetadataClient}),
 * the pure {@link io.raftlimiter.server.control.ReplicaPlanner} and the
 * {@link io.raftlimiter.server.control.ReplicaController} that probes, plans and carries the
 * steps out, node storage identity, and leader balancing.
 */
package io.raftlimiter.server.control;
