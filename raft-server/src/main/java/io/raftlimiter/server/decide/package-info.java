/**
 * The consistency modes that decide without a Raft round per request: LEASED ({@code lease}) and
 * EVENTUAL ({@code eventual}), behind {@link io.raftlimiter.server.decide.Decider}.
 */
package io.raftlimiter.server.decide;
