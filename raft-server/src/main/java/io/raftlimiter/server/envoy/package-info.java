/**
 * Limits for Envoy's rate limit protocol read from files in the format of Envoy's own ratelimit
 * service (a {@code domain} and a tree of {@code descriptors} per file): the pure
 * {@link io.raftlimiter.server.envoy.DescriptorConfigParser} and
 * {@link io.raftlimiter.server.envoy.DescriptorConfig} it builds, and
 * {@link io.raftlimiter.server.envoy.DescriptorConfigWatcher}, which reads the files and reads
 * them again when they change, and {@link io.raftlimiter.server.envoy.EnvoyLimits}, the limits a
 * node answers by: those of its {@code envoy.config}, or none.
 */
package io.raftlimiter.server.envoy;
