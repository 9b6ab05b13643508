package io.raftlimiter.server.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

class SubjectPatternsTest {
  @Test
  void namesCompareInTheirCanonicalForm() {
    SubjectPatterns admins = SubjectPatterns.parse("CN=admin, O=Acme ; CN=ops,O=Acme");
    assertTrue(admins.matches(new X500Principal("CN=admin,O=Acme")));
    assertTrue(admins.matches(new X500Principal("CN=ops, O=Acme")));
    assertFalse(admins.matches(new X500Principal("CN=admin,O=Other")));
    assertFalse(admins.matches(new X500Principal("CN=admin")));
    assertFalse(admins.matches(new X500Principal("CN=admin,OU=x,O=Acme")));
  }

  @Test
  void aStarStaysInsideOneValue() {
    SubjectPatterns nodes = SubjectPatterns.parse("CN=node-*,O=Acme");
    assertTrue(nodes.matches(new X500Principal("CN=node-7,O=Acme")));
    assertTrue(nodes.matches(new X500Principal("CN=node-,O=Acme")));
    assertFalse(nodes.matches(new X500Principal("CN=client,O=Acme")));
    // '*' never spans a ',' into another attribute
    assertFalse(nodes.matches(new X500Principal("CN=node-7,OU=evil,O=Acme")));
    // an escaped ',' inside a value is no way around it either
    assertFalse(nodes.matches(new X500Principal("CN=node-7\\,OU=x,O=Acme")));
    // nor a '+' into another attribute of a multi-valued name
    assertFalse(nodes.matches(new X500Principal("CN=node-7+OU=x,O=Acme")));
  }

  @Test
  void blankMatchesNothingAndGarbageIsNamed() {
    assertTrue(SubjectPatterns.parse(" ").isEmpty());
    assertFalse(SubjectPatterns.parse("").matches(new X500Principal("CN=anyone")));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> SubjectPatterns.parse("CN=ok;just words"));
    assertTrue(bad.getMessage().contains("just words"), bad.getMessage());
  }
}
