/**
 * The consistency modes behind {@link io.raftlimiter.server.decide.Decider}: STRONG
 * ({@link io.raftlimiter.server.decide.StrongDecider}, through the owning group's log), and the
 * modes that decide without a Raft round per request, LEASED ({@code lease}) and EVENTUAL
 * ({@code eventual}).
 */
package io.raftlimiter.server.decide;
