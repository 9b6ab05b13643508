package io.raftlimiter.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.core.metrics.Counter;
import io.raftlimiter.server.config.SubjectPatterns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS files are checked when loaded, reloaded when they change, and a bad change keeps the
 * certificates in use (counted as a failure) instead of leaving the node without any.
 */
class TlsMaterialTest {
  @TempDir Path dir;

  @Test
  void aKeyOfAnotherCertificateIsRefusedAtStart() throws Exception {
    DevCertificates ca = DevCertificates.openOrCreate(dir);
    TlsFiles node = ca.issue("node-1", DevCertificates.Use.NODE);
    TlsFiles other = ca.issue("node-2", DevCertificates.Use.NODE);
    IOException mismatch = assertThrows(IOException.class,
        () -> new TlsFiles(node.cert(), other.key(), node.ca()).load());
    assertTrue(mismatch.getMessage().contains("is not the private key"), mismatch.getMessage());
    Files.writeString(dir.resolve("empty.crt"), "no PEM here\n");
    IOException notPem = assertThrows(IOException.class,
        () -> new TlsFiles(dir.resolve("empty.crt"), node.key(), node.ca()).load());
    assertTrue(notPem.getMessage().contains("empty.crt"), notPem.getMessage());
  }

  @Test
  void changedFilesAreReloadedAndBadOnesKeepTheOldCertificate() throws Exception {
    DevCertificates ca = DevCertificates.openOrCreate(dir);
    TlsFiles node = ca.issue("node-1", DevCertificates.Use.NODE);
    Counter reloads = Counter.builder().name("test").build();
    Counter failures = Counter.builder().name("test").build();
    try (TlsMaterial material = TlsMaterial.open(node,
        SubjectPatterns.parse(DevCertificates.NODE_SUBJECTS), 0, reloads, failures,
        Counter.builder().name("test").build())) {
      X509Certificate first = served(material);
      assertFalse(material.reloadIfChanged(), "nothing changed");

      // A key that does not fit: refused, counted, the first certificate stays.
      TlsFiles stray = ca.issue("stray", DevCertificates.Use.NODE);
      Files.copy(stray.key(), node.key(), StandardCopyOption.REPLACE_EXISTING);
      touch(node.key());
      assertFalse(material.reloadIfChanged());
      assertEquals(1, failures.getLongValue());
      assertEquals(first, served(material));

      // A certificate of another authority: refused too (the other nodes would refuse it).
      TlsFiles foreign = DevCertificates.openOrCreate(dir.resolve("other"))
          .issue("node-1", DevCertificates.Use.NODE);
      Files.copy(foreign.key(), node.key(), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(foreign.cert(), node.cert(), StandardCopyOption.REPLACE_EXISTING);
      touch(node.cert());
      assertFalse(material.reloadIfChanged());
      assertEquals(2, failures.getLongValue());
      assertEquals(first, served(material));

      // A whole new certificate and key: served from now on.
      ca.issue("node-1", DevCertificates.Use.NODE);
      touch(node.cert());
      assertTrue(material.reloadIfChanged());
      assertEquals(1, reloads.getLongValue());
      X509Certificate second = served(material);
      assertFalse(first.getSerialNumber().equals(second.getSerialNumber()));
    }
  }

  /** The certificate the key manager hands to the next handshake. */
  private static X509Certificate served(TlsMaterial material) {
    String alias = material.keys().chooseEngineServerAlias("EC", null, null);
    return material.keys().getCertificateChain(alias)[0];
  }

  /** Moves the modification time on, in case the file system's clock is coarse. */
  private static void touch(Path file) throws IOException {
    Files.setLastModifiedTime(file, FileTime.fromMillis(
        Files.getLastModifiedTime(file).toMillis() + 2_000));
  }
}
