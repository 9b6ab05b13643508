package io.raftlimiter.server.security;

import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The PEM files of a TLS identity and of the authority it trusts: {@code cert} (the certificate
 * chain, leaf first), {@code key} (its PKCS#8 private key, RSA or EC) and {@code ca} (the
 * certificates a peer's chain must lead to).
 */
public record TlsFiles(Path cert, Path key, Path ca) {

  /** What was read from the files, checked to belong together. */
  public record Loaded(X509Certificate[] chain, PrivateKey key, X509Certificate[] trusted) {}

  /**
   * Reads and checks the three files.
   *
   * @throws IOException naming the file that is missing, unreadable, not PEM, or whose key does
   *     not belong to the certificate
   */
  public Loaded load() throws IOException {
    X509Certificate[] chain = certificates(cert);
    X509Certificate[] trusted = certificates(ca);
    PrivateKey privateKey;
    try (InputStream in = Files.newInputStream(key)) {
      privateKey = CertificateUtils.getPrivateKey(in);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IOException(key + ": not a PEM private key (PKCS#8, RSA or EC): " + e, e);
    }
    if (!belongTogether(privateKey, chain[0])) {
      throw new IOException(key + " is not the private key of the certificate in " + cert);
    }
    if (!signedBy(chain, trusted)) {
      throw new IOException("the certificate in " + cert + " (" + chain[0]
          .getSubjectX500Principal() + ") does not lead to the authority in " + ca
          + ": the other nodes would refuse it");
    }
    return new Loaded(chain, privateKey, trusted);
  }

  /** Whether {@code chain} leads to one of {@code trusted} (PKIX, without revocation). */
  private static boolean signedBy(X509Certificate[] chain, X509Certificate[] trusted) {
    try {
      Set<TrustAnchor> anchors = new HashSet<>();
      for (X509Certificate authority : trusted) {
        anchors.add(new TrustAnchor(authority, null));
      }
      List<X509Certificate> path = new ArrayList<>();
      for (X509Certificate certificate : chain) {
        if (!List.of(trusted).contains(certificate)) { // the anchor itself is not on the path
          path.add(certificate);
        }
      }
      PKIXParameters parameters = new PKIXParameters(anchors);
      parameters.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX").validate(
          CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
      return true;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /** When the files last changed, to tell whether they need reading again. */
  public List<Object> stamp() throws IOException {
    return List.of(stampOf(cert), stampOf(key), stampOf(ca));
  }

  private static List<Object> stampOf(Path file) throws IOException {
    FileTime modified = Files.getLastModifiedTime(file);
    return List.of(modified, Files.size(file));
  }

  private static X509Certificate[] certificates(Path file) throws IOException {
    X509Certificate[] found;
    try (InputStream in = Files.newInputStream(file)) {
      found = CertificateUtils.getX509Certificates(in);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException(file + ": not PEM certificates: " + e, e);
    }
    if (found.length == 0) {
      throw new IOException(file + " holds no PEM certificate ('-----BEGIN CERTIFICATE-----')");
    }
    return found;
  }

  /** Whether {@code key} signs what {@code certificate}'s public key verifies. */
  private static boolean belongTogether(PrivateKey key, X509Certificate certificate)
      throws IOException {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "raftlimiter key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
