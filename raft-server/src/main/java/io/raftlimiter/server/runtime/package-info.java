/** What every plane of a node shares: its daemon threads and its metrics registry. */
package io.raftlimiter.server.runtime;
