package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.server.control.VoterGuard.View;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A copy goes only when a confirmed leader does not count it and its log is not of later terms. */
class VoterGuardTest {
  private static final View LEADER = new View(true, 7, 7, Set.of("n1", "n2", "n3"));

  /** {@link VoterGuard#whyKept}, a null standing for a replica that did not answer. */
  private static Optional<String> whyKept(String node, View leader, View copy) {
    return VoterGuard.whyKept(node, Optional.ofNullable(leader), Optional.ofNullable(copy));
  }

  @Test
  void aCopyLeftBehindByAMoveMayGo() {
    View stale = new View(false, 9, 5, Set.of("n1", "n2", "n4")); // its elections bumped its term
    assertEquals(Optional.empty(), whyKept("n4", LEADER, stale));
  }

  @Test
  void aVoterOfTheLeadersConfigurationIsKept() {
    View voter = new View(false, 7, 7, Set.of("n1", "n2", "n3"));
    String why = whyKept("n2", LEADER, voter).orElseThrow();
    assertTrue(why.contains("voter"), why);
    View previous = new View(true, 7, 7, Set.of("n1", "n2", "n3", "n4")); // mid-change
    assertTrue(whyKept("n4", previous, voter).isPresent());
  }

  @Test
  void withoutAConfirmedLeaderNothingGoes() {
    View stale = new View(false, 3, 3, Set.of("n4"));
    assertTrue(whyKept("n4", null, stale).isPresent());
    View follower = new View(false, 7, 7, Set.of("n1", "n2", "n3"));
    assertTrue(whyKept("n4", follower, stale).isPresent());
  }

  @Test
  void aCopyThatCannotAnswerIsJudgedByTheLeadersConfiguration() {
    assertEquals(Optional.empty(), whyKept("n4", LEADER, null));
    assertTrue(whyKept("n3", LEADER, null).isPresent());
  }

  @Test
  void aCopyWithEntriesOfALaterTermThanTheLeaderIsOfAnotherGroupAndKept() {
    View refounded = new View(true, 1, 1, Set.of("n1")); // the same group id, founded again
    View real = new View(false, 6, 5, Set.of("n1", "n2", "n3"));
    String why = whyKept("n2", refounded, real).orElseThrow();
    assertTrue(why.contains("term 5"), why);
  }
}
