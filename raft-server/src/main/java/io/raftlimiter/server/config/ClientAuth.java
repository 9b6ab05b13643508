package io.raftlimiter.server.config;

/** Whether a node's client port asks clients for a certificate ({@code security.client-auth}). */
public enum ClientAuth { REQUIRE, OPTIONAL }
