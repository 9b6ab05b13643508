/**
 * The lowest plane of a node: its settings ({@link io.raftlimiter.server.config.NodeConfig},
 * {@link io.raftlimiter.server.config.NodeConfigKeys}) and the vocabulary they are written in
 * (consistency modes, the request-override policy, client authentication, subject patterns).
 * It uses no other package of the node.
 */
package io.raftlimiter.server.config;
