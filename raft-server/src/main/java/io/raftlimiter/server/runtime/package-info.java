/**
 * What every plane of a node above {@code config} shares: its daemon threads, its metrics
 * registry, its build info, and ending a gRPC call without throwing ({@link
 * io.raftlimiter.server.runtime.Replies}).
 */
package io.raftlimiter.server.runtime;
